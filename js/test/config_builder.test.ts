import { describe, expect, it } from "vitest";
import { render, splitValues } from "../src/config_builder.js";
import type { ConfigBuilderState } from "../src/common/messages.js";
import { FakeModel, KernelRaise, settle } from "./fake_model.js";

const q = (el: HTMLElement, id: string): HTMLElement[] => [...el.querySelectorAll<HTMLElement>(`[data-testid=${id}]`)];

function state(extra: Partial<ConfigBuilderState> = {}): ConfigBuilderState {
  return { message: "", message_level: "info", resources: [{ name: "spacy-ner", kind: "ner", labels: ["PERSON", "ORG"], version: "3.8" }],
    kind_filter: "", labels: [], choices: [], relations: [], xml: "<View/>", problems: [], dirty: false, ...extra };
}

function mount(model: FakeModel<ConfigBuilderState>): HTMLElement {
  const el = document.createElement("div");
  render({ model, el });
  return el;
}

describe("ConfigBuilder view", () => {
  it("adds the checked labels of a resource", async () => {
    const model = new FakeModel(state());
    model.handlers.add_labels = (p) => {
      const labels = (p.labels as string[]).map((value) => ({ value, background: "#ffeb3b", model: "spacy-ner" }));
      model.kernelSet("labels", labels);
      model.kernelSet("dirty", true);
      return labels;
    };
    const el = mount(model);
    expect(q(el, "pl-config-dirty")[0].hidden).toBe(true);
    (q(el, "pl-config-resource-label")[1] as HTMLInputElement).checked = true;
    q(el, "pl-config-add-selected")[0].click();
    await settle();
    expect(model.requests("add_labels")[0]).toMatchObject({ resource: "spacy-ner", labels: ["ORG"] });
    const chip = q(el, "pl-config-label")[0].querySelector<HTMLElement>(".pl-label-chip")!;
    expect(chip.textContent).toBe("ORG");
    // the config's colour, with the text colour that reads on it
    expect(chip.getAttribute("style")).toBe("background:#ffeb3b;color:#000");
    expect(q(el, "pl-config-dirty")[0].hidden).toBe(false);
  });

  it("never lets a colour from the config inject style", () => {
    const model = new FakeModel(state({ labels: [{ value: "X", background: "red;background-image:url(//evil)" }] }));
    const el = mount(model);
    const chip = q(el, "pl-config-label")[0].querySelector<HTMLElement>(".pl-label-chip")!;
    expect(chip.getAttribute("style")).toBe("background:#cccccc;color:#000");
    expect((q(el, "pl-config-label-color")[0] as HTMLInputElement).value).toBe("#cccccc");
  });

  it("disables Save while there are errors and shows refusals", async () => {
    const model = new FakeModel(state({ labels: [{ value: "PERSON", background: "#1a5fb4" }],
      problems: [{ severity: "error", message: "label PERSON has no model" }] }));
    model.handlers.save = () => { throw new KernelRaise("Not saved: label PERSON has no model"); };
    const el = mount(model);
    const save = q(el, "pl-config-save")[0] as HTMLButtonElement;
    expect(save.disabled).toBe(true);
    expect(q(el, "pl-config-problem")[0].dataset.severity).toBe("error");
    model.kernelSet("problems", [{ severity: "warning", message: "unused" }]);
    expect(save.disabled).toBe(false);
    save.click();
    await settle();
    expect(q(el, "pl-message")[0].textContent).toBe("save: Not saved: label PERSON has no model");
    expect(q(el, "pl-message")[0].classList.contains("pl-message-error")).toBe(true);
  });

  it("adds choices from the comma-separated field", async () => {
    const model = new FakeModel(state());
    model.handlers.add_choices = () => [];
    const el = mount(model);
    (q(el, "pl-config-choices-name")[0] as HTMLInputElement).value = " sentiment ";
    (q(el, "pl-config-choices-values")[0] as HTMLInputElement).value = "positive, negative,, ";
    q(el, "pl-config-choices-add")[0].click();
    await settle();
    expect(model.requests("add_choices")[0]).toMatchObject({ name: "sentiment", values: ["positive", "negative"],
      choice: "single", per_region: false });
    expect((q(el, "pl-config-choices-values")[0] as HTMLInputElement).value).toBe("");
    expect(splitValues(" a ,b")).toEqual(["a", "b"]);
  });
});
