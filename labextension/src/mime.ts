// Renderer for application/vnd.preannotate.task+json: the static picture of a task that a
// LabelingView output carries beside the live widget (preannotate_lab/widgets/_task_bundle.py),
// so a notebook read without its kernel still shows the task: its text with the spans marked in
// their labels' colours, and for document tasks page thumbnails with the spans' boxes.
// The bundle is untrusted (imported documents, notebooks from elsewhere): its strings only ever
// reach the DOM through textContent / text nodes / attributes, never innerHTML; colours must be
// hex colours; images only become data:image/png URLs of base64 text from the bundle.
import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';

export const MIME_TYPE = 'application/vnd.preannotate.task+json';

interface TaskSpan {
  start: number;
  end: number;
  label?: string;
}

interface TaskBox {
  x: number;
  y: number;
  w: number;
  h: number;
  label?: string;
}

interface TaskPage {
  index?: number;
  width?: number;
  height?: number;
  png?: string;
  boxes?: TaskBox[];
  error?: string;
}

interface TaskBundle {
  id?: number;
  title?: string;
  kind?: string;
  text?: string;
  truncated?: boolean;
  data?: { text?: string };
  spans?: TaskSpan[];
  colors?: Record<string, unknown>;
  pages?: TaskPage[];
  n_pages?: number;
}

const HEX = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
// labels the config gives no colour: a fixed palette, picked by the label's characters
const PALETTE = ['#4363d8', '#e6194b', '#3cb44b', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#9a6324'];

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** The label's colour from the bundle when it is a hex colour, else one of the palette's. */
export function labelColor(label: string, colors: Record<string, unknown> | undefined): string {
  const given = colors && Object.prototype.hasOwnProperty.call(colors, label) ? colors[label] : null;
  if (typeof given === 'string' && HEX.test(given)) {
    return given;
  }
  let hash = 0;
  for (const ch of label) {
    hash = (hash * 31 + (ch.codePointAt(0) ?? 0)) >>> 0;
  }
  return PALETTE[hash % PALETTE.length];
}

/** Black or white, whichever reads better on ``hex`` (WCAG relative luminance). */
export function textOn(hex: string): string {
  const full = hex.length === 4 ? '#' + [...hex.slice(1)].map(c => c + c).join('') : hex;
  const channel = (i: number) => {
    const v = parseInt(full.slice(i, i + 2), 16) / 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
  };
  const lum = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  // contrast with black (lum + 0.05) / 0.05 against white 1.05 / (lum + 0.05)
  return (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) ? '#000000' : '#ffffff';
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

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text?: string
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

function renderText(task: TaskBundle): HTMLElement {
  // Offsets are code points (Python string offsets), not UTF-16 units: index an array.
  const chars = Array.from(String(task.text ?? task.data?.text ?? ''));
  const body = el('div', 'pa-task-text');
  body.setAttribute('data-testid', 'pa-task-text');
  const slice = (a: number, b: number) => chars.slice(a, b).join('');
  let pos = 0;
  for (const s of cleanSpans(task.spans, chars.length)) {
    body.appendChild(document.createTextNode(slice(pos, s.start)));
    const mark = el('mark', 'pa-task-span', slice(s.start, s.end));
    if (s.label !== undefined && s.label !== null) {
      const label = String(s.label);
      const color = labelColor(label, task.colors);
      mark.setAttribute('data-label', label);
      mark.title = label;
      mark.style.backgroundColor = color;
      mark.style.color = textOn(color);
    }
    body.appendChild(mark);
    pos = s.end;
  }
  body.appendChild(document.createTextNode(slice(pos, chars.length)));
  if (task.truncated) {
    body.appendChild(el('span', 'pa-task-more', ' …'));
  }
  return body;
}

function renderLegend(task: TaskBundle, labels: string[]): HTMLElement | null {
  if (!labels.length) {
    return null;
  }
  const legend = el('div', 'pa-task-legend');
  for (const label of labels) {
    const color = labelColor(label, task.colors);
    const chip = el('span', 'pa-task-chip', label);
    chip.style.backgroundColor = color;
    chip.style.color = textOn(color);
    legend.appendChild(chip);
  }
  return legend;
}

function renderPage(task: TaskBundle, page: TaskPage, total: number): HTMLElement {
  const figure = el('figure', 'pa-task-page');
  const index = num(page.index);
  if (index !== null) {
    figure.setAttribute('data-page', String(index));
  }
  const caption = el('figcaption', 'pa-task-page-caption');
  caption.textContent = index !== null ? `page ${index + 1} of ${total}` : 'page';
  const width = num(page.width);
  const height = num(page.height);
  const png = typeof page.png === 'string' ? page.png : '';
  if (width && height && width > 0 && height > 0 && BASE64.test(png)) {
    const frame = el('div', 'pa-task-page-frame');
    frame.style.width = `${width}px`;
    frame.style.aspectRatio = `${width} / ${height}`;
    const img = el('img', 'pa-task-thumb');
    img.alt = caption.textContent;
    img.src = `data:image/png;base64,${png}`;
    frame.appendChild(img);
    for (const box of Array.isArray(page.boxes) ? page.boxes : []) {
      const [x, y, w, h] = [num(box?.x), num(box?.y), num(box?.w), num(box?.h)];
      if (x === null || y === null || w === null || h === null || w <= 0 || h <= 0) {
        continue;
      }
      const mark = el('div', 'pa-task-box');
      const label = box.label !== undefined && box.label !== null ? String(box.label) : '';
      const color = labelColor(label, task.colors);
      mark.style.left = `${(100 * x) / width}%`;
      mark.style.top = `${(100 * y) / height}%`;
      mark.style.width = `${(100 * w) / width}%`;
      mark.style.height = `${(100 * h) / height}%`;
      mark.style.borderColor = color;
      mark.style.backgroundColor = `${color}33`; // the colour at 20 % over the page
      mark.setAttribute('data-label', label);
      mark.title = label;
      frame.appendChild(mark);
    }
    figure.appendChild(frame);
  } else {
    // a page the kernel could not read: say so instead of a broken image
    const missing = el('div', 'pa-task-page-missing');
    missing.textContent = page.error ? String(page.error) : 'no image';
    figure.appendChild(missing);
  }
  figure.appendChild(caption);
  return figure;
}

export function renderTask(node: HTMLElement, task: TaskBundle): void {
  node.textContent = '';
  const header = el('div', 'pa-task-header');
  const parts = [task.id !== undefined ? `Task ${task.id}` : 'Task'];
  if (task.title) {
    parts.push(String(task.title));
  }
  if (task.kind) {
    parts.push(String(task.kind));
  }
  header.textContent = parts.join(' · ');
  node.appendChild(header);
  const pages = Array.isArray(task.pages) ? task.pages : [];
  const body = renderText(task);
  const labels = [
    ...new Set(
      Array.from(body.querySelectorAll('mark[data-label]')).map(
        m => m.getAttribute('data-label') ?? ''
      )
    )
  ];
  for (const page of pages) {
    for (const box of Array.isArray(page?.boxes) ? page.boxes : []) {
      if (box && box.label !== undefined && !labels.includes(String(box.label))) {
        labels.push(String(box.label));
      }
    }
  }
  const legend = renderLegend(task, labels);
  if (legend) {
    node.appendChild(legend);
  }
  if (pages.length) {
    const strip = el('div', 'pa-task-pages');
    strip.setAttribute('data-testid', 'pa-task-pages');
    const total = Math.max(num(task.n_pages) ?? 0, pages.length);
    for (const page of pages) {
      strip.appendChild(renderPage(task, page ?? {}, total));
    }
    if (total > pages.length) {
      strip.appendChild(el('div', 'pa-task-more', `+ ${total - pages.length} more pages`));
    }
    node.appendChild(strip);
    body.classList.add('pa-task-text-document');
  }
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
