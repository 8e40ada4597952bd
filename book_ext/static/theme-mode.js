// The theme's first script sets the colour mode from localStorage, or to "" on a reader's first
// visit, which its main script then reports as a console error. Start from "auto" instead.
if (!document.documentElement.dataset.mode) {
  document.documentElement.dataset.mode = "auto";
}
