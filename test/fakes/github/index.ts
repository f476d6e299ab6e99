/**
 * The fake GitHub for end-to-end tests and the benchmark:
 *
 *   const repo = FixtureRepo.create(); repo.commit('init', {...}); repo.branch('feature'); repo.commit(...);
 *   const fake = await startFakeGitHub({ appId, appKey: privateKeyPem, repos: [{ owner, name, dir: repo.dir, installationId }] });
 *   // point the app at it: { ...fake.env }  (GHE_HOST + GHE_PROTOCOL)
 *   fake.requests  // every request, with kind, route, body and status
 */
export { FakeGitHub, startFakeGitHub } from './server.js';
export type {
  FakeCheckRun,
  FakeIssueComment,
  FakePull,
  FakeRepoConfig,
  FakeReview,
  FakeReviewComment,
  RecordedRequest,
  RequestKind,
  Role,
  StartFakeGitHubOptions,
} from './server.js';
export { FixtureRepo } from './repo.js';
export { matchRoute } from './openapi.js';
