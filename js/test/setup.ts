// jsdom has no layout: scrolling is a no-op there (the browser walk covers the real thing)
if (!("scrollIntoView" in Element.prototype)) {
  Object.defineProperty(Element.prototype, "scrollIntoView", { value: () => undefined });
}
