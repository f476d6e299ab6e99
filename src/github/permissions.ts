/** Who may trigger a re-review: users with write, maintain or admin permission on the repository. */
import type { Octokit } from './types.js';

const ALLOWED_ROLES = new Set(['admin', 'maintain', 'write']);

export async function canRecheck(octokit: Octokit, owner: string, repo: string, username: string): Promise<boolean> {
  try {
    const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ owner, repo, username });
    return ALLOWED_ROLES.has(data.role_name) || data.permission === 'admin' || data.permission === 'write';
  } catch (error) {
    if ((error as { status?: number }).status === 404) return false; // not a collaborator
    throw error;
  }
}
