// Bundle each widget view into one self-contained ES module (and one stylesheet) under
// preannotate_lab/widgets/static/, where the Python widgets point their _esm / _css.
//
//   node build.mjs            build every widget (npm run build)
//   node build.mjs --watch    rebuild on change (with ANYWIDGET_HMR=1, open views reload)
//
// A widget is a file src/<name>.ts (or .js while it is not converted yet); its stylesheet is
// src/common/common.css followed by src/<name>.css.
import * as esbuild from "esbuild";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, "src");
const outdir = resolve(here, "..", "preannotate_lab", "widgets", "static");
const watch = process.argv.includes("--watch");

const widgets = readdirSync(src)
  .filter((f) => /^[a-z_]+\.(ts|js)$/.test(f))
  .map((f) => ({ name: f.replace(/\.(ts|js)$/, ""), file: join(src, f) }));

mkdirSync(outdir, { recursive: true }); // build output only: gitignored

const common = { bundle: true, format: "esm", target: "es2020", minify: !watch, sourcemap: watch ? "inline" : false,
  legalComments: "none", logLevel: "warning" };

const contexts = [];
for (const { name, file } of widgets) {
  contexts.push(await esbuild.context({ ...common, entryPoints: [file], outfile: join(outdir, `${name}.js`) }));
  const own = existsSync(join(src, `${name}.css`)) ? `@import "./${name}.css";\n` : "";
  contexts.push(await esbuild.context({ ...common, outfile: join(outdir, `${name}.css`),
    stdin: { contents: `@import "./common/common.css";\n${own}`, resolveDir: src, loader: "css",
      sourcefile: `${name}.bundle.css` } }));
}

if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
  console.log(`watching ${widgets.length} widgets -> ${outdir}`);
} else {
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
  console.log(`built ${widgets.map((w) => w.name).join(", ")} -> ${outdir}`);
}
