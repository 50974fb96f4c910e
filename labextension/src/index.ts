// preannotate-lab: a launcher card and a command that open the quickstart notebook, a card per
// tutorial notebook (copied from the installed package when the server has none), and the
// task picture in notebooks where a LabelingView widget cannot be shown (src/fallback.ts).
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ILauncher } from '@jupyterlab/launcher';
import { LabIcon } from '@jupyterlab/ui-components';

import { installTaskFallback } from './fallback';
import starter from './starter_notebook.json';
import tutorialList from './tutorials.json';

export const OPEN_QUICKSTART = 'preannotate:open-quickstart';
export const OPEN_TUTORIAL = 'preannotate:open-tutorial';

// The tutorial notebooks (notebooks/NN_name.ipynb; a Python test keeps this list equal to them).
interface TutorialCard {
  name: string; // e.g. 04_visual_ner
  label: string; // the card's text
  title: string; // the notebook's first heading
}
const TUTORIALS: TutorialCard[] = tutorialList;

// A text line with two highlighted spans: what pre-annotation puts on a task.
const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24">
  <rect x="2" y="5" width="9" height="6" rx="1.5" fill="#f0a30a"/>
  <rect x="13" y="5" width="9" height="6" rx="1.5" fill="#616161" class="jp-icon3" opacity="0.35"/>
  <rect x="2" y="13" width="6" height="6" rx="1.5" fill="#616161" class="jp-icon3" opacity="0.35"/>
  <rect x="10" y="13" width="12" height="6" rx="1.5" fill="#2196f3"/>
</svg>`;

export const preannotateIcon = new LabIcon({
  name: 'preannotate-lab:icon',
  svgstr: ICON_SVG
});

// Where the quickstart may sit relative to the server's root: the repository root or notebooks/.
const QUICKSTART_PATHS = [
  'notebooks/01_quickstart.ipynb',
  '01_quickstart.ipynb'
];

// The notebook created when no quickstart is found (e.g. a pip install without the
// repository): opens or creates project.sqlite and shows the lab. A JSON file
// (src/starter_notebook.json), so the Python tests execute the very notebook users get.
function starterNotebook(): any {
  return JSON.parse(JSON.stringify(starter)); // a fresh copy for each new notebook
}

async function exists(app: JupyterFrontEnd, path: string): Promise<boolean> {
  try {
    await app.serviceManager.contents.get(path, { content: false });
    return true;
  } catch {
    return false; // 404: not there
  }
}

/** Open the quickstart if the server can see it, else a new notebook with starter code. */
async function openQuickstart(app: JupyterFrontEnd): Promise<string> {
  for (const path of QUICKSTART_PATHS) {
    if (await exists(app, path)) {
      await app.commands.execute('docmanager:open', { path });
      return path;
    }
  }
  const contents = app.serviceManager.contents;
  const model = await contents.newUntitled({ type: 'notebook', path: '' });
  await contents.save(model.path, {
    type: 'notebook',
    format: 'json',
    content: starterNotebook()
  });
  await app.commands.execute('docmanager:open', { path: model.path });
  return model.path;
}

// Copies a shipped tutorial into the kernel's working folder (the server's root) and prints
// its path there; a copy already there is kept (it may hold the user's edits).
function copyCode(name: string): string {
  return (
    'from preannotate_lab.tutorials import copy\n' +
    `print(copy(${JSON.stringify(name)}, "."))`
  );
}

/** Open a tutorial: the server's own copy if it has one, else a copy from the package. */
async function openTutorial(app: JupyterFrontEnd, name: string): Promise<string> {
  const tutorial = TUTORIALS.find(t => t.name === name);
  if (!tutorial) {
    throw new Error(`no tutorial ${name}`);
  }
  for (const path of [`notebooks/${name}.ipynb`, `${name}.ipynb`]) {
    if (await exists(app, path)) {
      await app.commands.execute('docmanager:open', { path });
      return path;
    }
  }
  // Only a kernel can read the installed package's files: start one in a session at the
  // server's root (so its working folder is the root), copy, shut it down.
  const session = await app.serviceManager.sessions.startNew({
    path: `.preannotate-copy-${name}`,
    type: 'file',
    name: `copy ${name}`,
    kernel: { name: 'python3' }
  });
  let out = '';
  let failure = '';
  try {
    const future = session.kernel!.requestExecute({ code: copyCode(name), store_history: false });
    future.onIOPub = (msg: any) => {
      if (msg.header.msg_type === 'stream') {
        out += msg.content.text;
      } else if (msg.header.msg_type === 'error') {
        failure = `${msg.content.ename}: ${msg.content.evalue}`;
      }
    };
    await future.done;
  } finally {
    await session.shutdown();
  }
  if (failure) {
    throw new Error(`could not copy the tutorial ${name}: ${failure}`);
  }
  const path = out.trim().split('\n').pop()!.replace(/^\.\//, '');
  await app.commands.execute('docmanager:open', { path });
  return path;
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'preannotate-lab:plugin',
  description: 'preannotate_lab: open the quickstart from the launcher; task pictures without a kernel',
  autoStart: true,
  optional: [ILauncher],
  activate: (app: JupyterFrontEnd, launcher: ILauncher | null) => {
    app.commands.addCommand(OPEN_QUICKSTART, {
      label: 'Pre-annotate',
      caption: 'Open the preannotate_lab quickstart notebook',
      icon: args => (args['isPalette'] ? undefined : preannotateIcon),
      execute: () => openQuickstart(app)
    });
    app.commands.addCommand(OPEN_TUTORIAL, {
      label: args =>
        TUTORIALS.find(t => t.name === args['name'])?.label ?? 'preannotate_lab tutorial',
      caption: args =>
        TUTORIALS.find(t => t.name === args['name'])?.title ?? 'A preannotate_lab tutorial',
      icon: args => (args['isPalette'] ? undefined : preannotateIcon),
      execute: args => openTutorial(app, String(args['name']))
    });
    // every notebook: the task picture where a LabelingView widget cannot be shown
    app.docRegistry.addWidgetExtension('Notebook', {
      createNew: (panel: any) => {
        installTaskFallback(panel);
      }
    } as any);
    if (launcher) {
      // Cards of the Notebook category show kernelIconUrl (else the label's first letter).
      launcher.add({
        command: OPEN_QUICKSTART,
        category: 'Notebook',
        rank: 10,
        kernelIconUrl: `data:image/svg+xml,${encodeURIComponent(ICON_SVG)}`
      });
      // one card per tutorial, in their own section of the launcher
      TUTORIALS.forEach((tutorial, rank) => {
        launcher.add({
          command: OPEN_TUTORIAL,
          args: { name: tutorial.name },
          category: 'preannotate_lab tutorials',
          rank
        });
      });
    }
  }
};

export default plugin;
