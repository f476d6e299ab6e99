/**
 * Findings as Check Run annotations. GitHub accepts at most 50 annotations per request, so they are sent in
 * batches; the last batch completes the run.
 */
import type { Finding, Severity } from '../review/types.js';

export interface CheckAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  title: string;
  message: string;
}

export const ANNOTATIONS_PER_REQUEST = 50;
const MAX_MESSAGE = 60000;

const LEVEL: Record<Severity, CheckAnnotation['annotation_level']> = {
  error: 'failure',
  warning: 'warning',
  info: 'notice',
};

/**
 * One annotation per finding on a file of the head revision (findings on removed files have no place to go and
 * stay in the summary). A finding without a line is annotated on the file's first line.
 */
export function toAnnotations(
  findings: readonly Finding[],
  isHeadPath: (path: string) => boolean,
  headLineOfBaseLine: (path: string, line: number) => number | undefined = () => undefined,
): CheckAnnotation[] {
  const out: CheckAnnotation[] = [];
  for (const f of findings) {
    if (!f.path || !isHeadPath(f.path)) continue;
    // Annotations sit on the head commit: a line of the base revision (a removal) goes where it stood there.
    const at = f.line && f.line > 0 ? (f.side === 'base' ? headLineOfBaseLine(f.path, f.line) : f.line) : undefined;
    const line = at ?? 1;
    const subject = [f.model, f.column].filter(Boolean).join('.');
    out.push({
      path: f.path,
      start_line: line,
      end_line: line,
      annotation_level: LEVEL[f.severity],
      title: (subject ? `${f.rule}: ${subject}` : f.rule).slice(0, 255),
      message: f.message.length > MAX_MESSAGE ? `${f.message.slice(0, MAX_MESSAGE)}…` : f.message,
    });
  }
  return out;
}

/** Splits annotations into request-sized batches; always at least one (possibly empty) batch. */
export function annotationBatches(annotations: readonly CheckAnnotation[]): CheckAnnotation[][] {
  const batches: CheckAnnotation[][] = [];
  for (let i = 0; i < annotations.length; i += ANNOTATIONS_PER_REQUEST) {
    batches.push(annotations.slice(i, i + ANNOTATIONS_PER_REQUEST));
  }
  return batches.length > 0 ? batches : [[]];
}
