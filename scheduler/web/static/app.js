// Live preview on the registration page: when a field changes, ask the server for the
// preview (the same one the Preview button gives) and show it. Without JavaScript the
// Preview button does the same with a full page.
(function () {
  const form = document.getElementById("register");
  if (!form) return;
  const target = document.getElementById("preview");
  let timer = null;
  let latest = 0;
  function refresh() {
    const body = new URLSearchParams(new FormData(form));
    body.set("action", "preview");
    const ticket = ++latest;
    fetch(form.dataset.preview, { method: "POST", body: body, credentials: "same-origin" })
      .then((r) => r.text())
      .then((html) => { if (ticket === latest) target.innerHTML = html; })
      .catch(() => {});
  }
  form.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(refresh, 400); });
  form.addEventListener("change", () => { clearTimeout(timer); timer = setTimeout(refresh, 100); });
})();

// The feed's address on the subscribe page: one click selects all of it, to copy.
document.querySelectorAll("input.url").forEach((field) => {
  field.addEventListener("click", () => field.select());
});

// New template from a registry record: show the record where the draft's first value was read.
document.querySelectorAll("pre.record").forEach((record) => {
  const first = record.querySelector("mark");
  if (!first || location.hash) return;
  record.scrollTop += first.getBoundingClientRect().top - record.getBoundingClientRect().top - 40;
});
