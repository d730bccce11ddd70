// Attendance roll: "everyone present" fills only the rows not marked yet (no inline scripts: CSP).
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("[data-mark-all]");
  if (!button) { return; }
  event.preventDefault();
  var value = button.getAttribute("data-mark-all");
  document.querySelectorAll(".roll-row").forEach(function (row) {
    if (!row.querySelector("input[type=radio]:checked")) {
      var input = row.querySelector('input[type=radio][value="' + value + '"]');
      if (input) { input.checked = true; }
    }
  });
});
