// The task picture where a widget cannot be shown. A LabelingView output carries the widget
// view and, beside it, the task MIME bundle (src/mime.ts renders it). JupyterLab prefers the
// widget view in a trusted output (the user's own saved notebook), and without a kernel that
// has the widget's model it shows "Loading widget..." or "Error displaying widget: model not
// found". So each notebook's widget renderers are wrapped: when the output also carries a task
// and no kernel is there, or the widget's model is gone, the renderer shows the task picture.
// Live widgets are untouched: with a kernel that knows the model, the widget renders as before.
import { MIME_TYPE, renderTask } from './mime';

const WIDGET_MIME = 'application/vnd.jupyter.widget-view+json';
const WRAPPED = Symbol('preannotate-task-fallback');
// what @jupyter-widgets/jupyterlab-manager writes when the model is not in the kernel
const MODEL_GONE = /^Error displaying widget/;

interface IRenderer {
  node: HTMLElement;
  renderModel(model: { data: Record<string, unknown> }): Promise<void>;
}

interface IFactory {
  safe: boolean;
  mimeTypes: readonly string[];
  defaultRank?: number;
  createRenderer(options: unknown): IRenderer;
  [WRAPPED]?: true;
}

interface IRegistry {
  getFactory(mimeType: string): IFactory | undefined;
  getRank(mimeType: string): number | undefined;
  addFactory(factory: IFactory, rank?: number): void;
}

interface ISessionContext {
  ready: Promise<void>;
  session?: { kernel?: unknown } | null;
}

function showTask(renderer: IRenderer, task: unknown): void {
  const holder = document.createElement('div');
  holder.className = 'pa-task pa-task-fallback';
  renderTask(holder, (task ?? {}) as any);
  renderer.node.textContent = '';
  renderer.node.appendChild(holder);
}

function wrapRenderer(renderer: IRenderer, session: ISessionContext): IRenderer {
  const render = renderer.renderModel.bind(renderer);
  // an own property: the widget renderer's re-render after the manager restores calls it too
  renderer.renderModel = async model => {
    const task = model.data[MIME_TYPE];
    if (!task || typeof task !== 'object') {
      return render(model);
    }
    showTask(renderer, task); // at once: something to read while the session settles
    try {
      await session.ready;
    } catch {
      return; // no session at all: the picture stays
    }
    if (!session.session?.kernel) {
      return;
    }
    await render(model);
    if (MODEL_GONE.test(renderer.node.textContent ?? '')) {
      showTask(renderer, task);
    }
  };
  return renderer;
}

function wrapFactory(factory: IFactory, session: ISessionContext): IFactory {
  if (factory[WRAPPED] || !factory.mimeTypes.includes(WIDGET_MIME)) {
    return factory;
  }
  return {
    safe: factory.safe,
    mimeTypes: factory.mimeTypes,
    defaultRank: factory.defaultRank,
    createRenderer: options => wrapRenderer(factory.createRenderer(options), session),
    [WRAPPED]: true
  };
}

/** Wrap the widget renderers of one notebook panel, now and whenever they are registered
 * again (the widget manager registers a placeholder first, then one with its manager). */
export function installTaskFallback(panel: any): void {
  const registry: IRegistry | undefined = panel?.content?.rendermime;
  const session: ISessionContext | undefined = panel?.sessionContext;
  if (!registry || !session || typeof registry.addFactory !== 'function') {
    return;
  }
  const add = registry.addFactory.bind(registry);
  registry.addFactory = (factory, rank) => add(wrapFactory(factory, session), rank);
  const current = registry.getFactory(WIDGET_MIME);
  if (current) {
    add(wrapFactory(current, session), registry.getRank(WIDGET_MIME));
  }
}
