// Small behaviours without inline scripts (the CSP forbids them).
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el.matches && el.matches("[data-autosubmit]")) { el.form.submit(); }
});
document.addEventListener("click", function (event) {
  var el = event.target.closest && event.target.closest("[data-confirm]");
  if (el && !window.confirm(el.getAttribute("data-confirm"))) { event.preventDefault(); }
});
// Progress polling for background jobs: <div data-poll="/url" data-interval="1000">
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
});
// Downloads that take a while (Excel exports of thousands of rows): <a data-download> or
// <form data-download>. The file is fetched while a status line with a progress bar says what is
// being made (data-busy), then saved, and the line says it is done (data-done, {name} = file).
(function () {
  function statusBox(el) {
    var id = el.getAttribute("data-status") || "download-status";
    var box = document.getElementById(id);
    if (!box) {
      box = document.createElement("div");
      box.id = id;
      box.className = "download-status";
      box.setAttribute("role", "status");
      box.setAttribute("aria-live", "polite");
      el.parentNode.insertBefore(box, el.nextSibling);
    }
    return box;
  }
  function show(box, text, busy) {
    box.textContent = "";
    var p = document.createElement("span");
    p.textContent = text;
    box.appendChild(p);
    if (busy) {
      var bar = document.createElement("progress");
      bar.className = "progress-bar";
      bar.setAttribute("aria-label", text);
      box.appendChild(bar);
    }
    box.hidden = false;
  }
  function fileName(response, fallback) {
    var cd = response.headers.get("Content-Disposition") || "";
    var m = /filename\*=UTF-8''([^;]+)/i.exec(cd) || /filename="?([^";]+)"?/i.exec(cd);
    return m ? decodeURIComponent(m[1]) : fallback;
  }
  function run(el, url, init) {
    var box = statusBox(el);
    if (el.getAttribute("aria-busy") === "true") { return; }
    el.setAttribute("aria-busy", "true");
    show(box, el.getAttribute("data-busy") || "…", true);
    fetch(url, init).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (!response.ok || type.indexOf("text/html") === 0) {
        // Not a file (a form error, a login page): let the browser show it as usual.
        el.removeAttribute("aria-busy");
        if (el.tagName === "FORM") { el.removeAttribute("data-download"); el.submit(); }
        else { window.location.href = url; }
        return null;
      }
      var name = fileName(response, "export.xlsx");
      return response.blob().then(function (blob) {
        var a = document.createElement("a");
        a.href = URL.createObjectURL(blob);
        a.download = name;
        document.body.appendChild(a);
        a.click();
        setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
        show(box, (el.getAttribute("data-done") || "{name}").replace("{name}", name), false);
        el.removeAttribute("aria-busy");
      });
    }).catch(function () {
      show(box, el.getAttribute("data-failed") || "✗", false);
      el.removeAttribute("aria-busy");
    });
  }
  document.addEventListener("click", function (event) {
    var el = event.target.closest && event.target.closest("a[data-download]");
    if (!el || event.defaultPrevented || !window.fetch) { return; }
    event.preventDefault();
    run(el, el.href, {credentials: "same-origin"});
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-download]") || event.defaultPrevented || !window.fetch) { return; }
    event.preventDefault();
    run(form, form.action || window.location.href, {method: "POST", body: new FormData(form), credentials: "same-origin"});
  });
})();
