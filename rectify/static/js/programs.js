// The program picker: ticking a problem (data-ticks-measures="N") ticks or unticks the measures
// offered with it (data-measure-of="N") that are not already in the program.
document.addEventListener("change", (event) => {
  const box = event.target.closest("[data-ticks-measures]");
  if (!box) return;
  const number = box.dataset.ticksMeasures;
  for (const measure of document.querySelectorAll(`[data-measure-of="${number}"]`)) {
    if (!measure.disabled) measure.checked = box.checked;
  }
});
