// The feedback entry form: "add row" without a round trip. Without JavaScript the same button
// asks the server for one more row.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-add-row]");
  if (!button) return;
  const template = document.getElementById("row-template");
  const total = document.querySelector("input[name='rows-TOTAL_FORMS']");
  const body = document.getElementById("entry-rows");
  if (!template || !total || !body) return;
  event.preventDefault();
  const index = Number(total.value);
  const html = template.innerHTML
    .replaceAll("__prefix__", String(index))
    .replaceAll("__number__", String(index + 1));
  body.insertAdjacentHTML("beforeend", html);
  total.value = String(index + 1);
  const text = body.querySelector(`#id_rows-${index}-text`);
  if (text) text.focus();
});
