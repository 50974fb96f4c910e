// Renderer for application/vnd.preannotate.task+json: a task's text with its spans marked.
// Task text is untrusted (imported documents, scraped pages): it only ever reaches the DOM
// through textContent / text nodes, never innerHTML, so markup in it stays inert text.
import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';

export const MIME_TYPE = 'application/vnd.preannotate.task+json';

interface TaskSpan {
  start: number;
  end: number;
  label?: string;
}

interface TaskBundle {
  id?: number;
  title?: string;
  kind?: string;
  text?: string;
  data?: { text?: string };
  spans?: TaskSpan[];
}

/** Spans that fit the text, sorted, overlaps dropped (a flat rendering cannot nest them). */
function cleanSpans(spans: unknown, length: number): TaskSpan[] {
  if (!Array.isArray(spans)) {
    return [];
  }
  const ok = spans
    .filter(
      (s: any) =>
        s &&
        Number.isInteger(s.start) &&
        Number.isInteger(s.end) &&
        s.start >= 0 &&
        s.start < s.end &&
        s.end <= length
    )
    .sort((a: TaskSpan, b: TaskSpan) => a.start - b.start || b.end - a.end);
  const out: TaskSpan[] = [];
  let last = 0;
  for (const s of ok) {
    if (s.start >= last) {
      out.push(s);
      last = s.end;
    }
  }
  return out;
}

export function renderTask(node: HTMLElement, task: TaskBundle): void {
  node.textContent = '';
  // Offsets are code points (Python string offsets), not UTF-16 units: index an array.
  const chars = Array.from(String(task.text ?? task.data?.text ?? ''));
  const header = document.createElement('div');
  header.className = 'pa-task-header';
  const parts = [task.id !== undefined ? `Task ${task.id}` : 'Task'];
  if (task.title) {
    parts.push(String(task.title));
  }
  if (task.kind) {
    parts.push(String(task.kind));
  }
  header.textContent = parts.join(' · ');
  const body = document.createElement('div');
  body.className = 'pa-task-text';
  body.setAttribute('data-testid', 'pa-task-text');
  const slice = (a: number, b: number) => chars.slice(a, b).join('');
  let pos = 0;
  for (const s of cleanSpans(task.spans, chars.length)) {
    body.appendChild(document.createTextNode(slice(pos, s.start)));
    const mark = document.createElement('mark');
    mark.className = 'pa-task-span';
    mark.textContent = slice(s.start, s.end);
    if (s.label) {
      mark.setAttribute('data-label', String(s.label));
      mark.title = String(s.label);
    }
    body.appendChild(mark);
    pos = s.end;
  }
  body.appendChild(document.createTextNode(slice(pos, chars.length)));
  node.appendChild(header);
  node.appendChild(body);
}

class TaskRenderer extends Widget implements IRenderMime.IRenderer {
  constructor(options: IRenderMime.IRendererOptions) {
    super();
    this.addClass('pa-task');
    this._mimeType = options.mimeType;
  }

  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const data = model.data[this._mimeType];
    renderTask(this.node, (data ?? {}) as TaskBundle);
    return Promise.resolve();
  }

  private _mimeType: string;
}

const rendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [MIME_TYPE],
  createRenderer: options => new TaskRenderer(options)
};

const extension: IRenderMime.IExtension = {
  id: 'preannotate-lab:task-renderer',
  rendererFactory,
  rank: 0,
  dataType: 'json'
};

export default extension;
