import type { EsxiPreview } from '../../../src-shared/esxi/schema';

interface Mark {
  kind: 'dropped' | 'warning' | 'note' | 'abort';
  text: string;
}

const markLabel: Record<Mark['kind'], string> = {
  dropped: 'ignored',
  warning: 'warning',
  note: 'note',
  abort: 'stops here',
};

/** marksByLine gathers every dropped item, warning, note and abort by its 1-based input line. */
function marksByLine(preview: EsxiPreview): { byLine: Map<number, Mark[]>; unplaced: Mark[] } {
  const byLine = new Map<number, Mark[]>();
  const unplaced: Mark[] = [];
  const put = (line: number | null, mark: Mark): void => {
    if (line === null) unplaced.push(mark);
    else byLine.set(line, [...(byLine.get(line) ?? []), mark]);
  };
  for (const d of preview.dropped)
    put(d.source.line, { kind: 'dropped', text: `${d.item}: ${d.reason}` });
  for (const w of preview.plan.warnings) put(w.source.line, { kind: 'warning', text: w.text });
  for (const n of preview.plan.notes) put(n.source.line, { kind: 'note', text: n.message });
  const abort = preview.plan.abort;
  if (abort !== null)
    put(abort.source.line, { kind: 'abort', text: `${abort.exception}: ${abort.message}` });
  return { byLine, unplaced };
}

/**
 * AnnotatedInput shows the pasted config line by line and marks, on the line they come from, the
 * items the ESXi script ignores or drops, its warnings, and where it would stop.
 */
export function AnnotatedInput({ text, preview }: { text: string; preview: EsxiPreview }) {
  const { byLine, unplaced } = marksByLine(preview);
  const lines = text.split('\n');
  return (
    <div
      className="annotated"
      role="region"
      aria-label="Your network config, annotated"
      tabIndex={0}
    >
      {unplaced.length > 0 && (
        <ul className="marks">
          {unplaced.map((m, i) => (
            <li key={i} className={`mark mark-${m.kind}`}>
              <span className="mark-kind">{markLabel[m.kind]}</span> {m.text}
            </li>
          ))}
        </ul>
      )}
      <ol className="source-lines">
        {lines.map((line, i) => {
          const marks = byLine.get(i + 1);
          return (
            <li
              key={i}
              className={marks === undefined ? undefined : `marked marked-${marks[0]!.kind}`}
            >
              <code className="source-line">{line === '' ? ' ' : line}</code>
              {marks !== undefined && (
                <ul className="marks">
                  {marks.map((m, j) => (
                    <li key={j} className={`mark mark-${m.kind}`}>
                      <span className="mark-kind">{markLabel[m.kind]}</span> {m.text}
                    </li>
                  ))}
                </ul>
              )}
            </li>
          );
        })}
      </ol>
    </div>
  );
}
