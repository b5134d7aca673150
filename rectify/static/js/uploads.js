// Evidence files by drag and drop, on top of a plain <input type="file" multiple> that works
// without JavaScript: a <div data-dropzone> around the input takes dropped files and adds them
// to the input's list; <ul data-dropzone-list> inside it names the chosen files. Listeners sit
// on the document, so forms that htmx swaps in later behave the same. No inline script: the
// Content-Security-Policy refuses it.
(() => {
  document.documentElement.classList.add("js-uploads");
  const zoneOf = (event) => event.target.closest && event.target.closest("[data-dropzone]");
  const carriesFiles = (event) =>
    event.dataTransfer && Array.from(event.dataTransfer.types || []).includes("Files");

  const showChosen = (zone) => {
    const input = zone.querySelector("input[type=file]");
    const list = zone.querySelector("[data-dropzone-list]");
    if (!input || !list) return;
    list.replaceChildren(
      ...Array.from(input.files).map((file) => {
        const item = document.createElement("li");
        item.className = "dropzone-file";
        item.textContent = `${file.name} (${Math.max(1, Math.round(file.size / 1024))} KB)`;
        return item;
      }),
    );
    zone.classList.toggle("has-files", input.files.length > 0);
  };

  document.addEventListener("dragover", (event) => {
    const zone = zoneOf(event);
    if (!zone || !carriesFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
    zone.classList.add("is-over");
  });

  document.addEventListener("dragleave", (event) => {
    const zone = zoneOf(event);
    if (zone && !zone.contains(event.relatedTarget)) zone.classList.remove("is-over");
  });

  document.addEventListener("drop", (event) => {
    const zone = zoneOf(event);
    if (!zone || !carriesFiles(event)) return;
    event.preventDefault();
    zone.classList.remove("is-over");
    const input = zone.querySelector("input[type=file]");
    if (!input) return;
    const files = new DataTransfer();
    for (const file of input.files) files.items.add(file);
    for (const file of event.dataTransfer.files) files.items.add(file);
    input.files = files.files;
    showChosen(zone);
  });

  document.addEventListener("change", (event) => {
    if (!event.target.matches || !event.target.matches("input[type=file]")) return;
    const zone = event.target.closest("[data-dropzone]");
    if (zone) showChosen(zone);
  });

  // A link to a folded form (<details id="closure-request">, e.g. from my tasks) unfolds it.
  const unfold = () => {
    const id = decodeURIComponent(location.hash.slice(1));
    const target = id && document.getElementById(id);
    if (target && target.tagName === "DETAILS") target.open = true;
  };
  window.addEventListener("hashchange", unfold);
  document.addEventListener("DOMContentLoaded", unfold);

  // <button data-clear-target="#id">: empties that element (closes a form opened in place).
  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("[data-clear-target]");
    if (!button) return;
    const target = document.querySelector(button.dataset.clearTarget);
    if (target) target.replaceChildren();
  });
})();
