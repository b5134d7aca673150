// Small behaviours of every page, keyed on data- attributes: the Content-Security-Policy runs
// no inline script or event handler. Listeners sit on the document, so content that htmx swaps
// in later behaves the same.

// <select data-submit-on-change>: choosing an option submits its form (the language switch;
// without JavaScript a <noscript> button does it).
document.addEventListener("change", (event) => {
  const field = event.target.closest("[data-submit-on-change]");
  if (field && field.form) field.form.submit();
});

// <input data-select-on-focus>: focusing selects the whole value, ready to copy (a new token).
document.addEventListener("focusin", (event) => {
  const field = event.target.closest("[data-select-on-focus]");
  if (field) field.select();
});
