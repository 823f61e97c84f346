// The clinic template page: as the text or the start date changes, ask the server to check
// the template (every problem, located) and preview its dates; without JavaScript the
// "Check and preview" button does the same with a full page.
(function () {
  const form = document.getElementById("template-draft");
  if (!form) return;
  const target = document.getElementById("template-check");
  let timer = null;
  let latest = 0;
  function refresh() {
    const body = new FormData(form);
    body.set("action", "check");
    const ticket = ++latest;
    fetch(form.dataset.check, { method: "POST", body: body, credentials: "same-origin" })
      .then((r) => r.text())
      .then((html) => { if (ticket === latest) target.innerHTML = html; })
      .catch(() => {});
  }
  form.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(refresh, 400); });
  form.addEventListener("change", () => { clearTimeout(timer); timer = setTimeout(refresh, 100); });
})();
