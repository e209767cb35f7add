/* Hide the checkboxes whose label does not contain the filter text (cohort form). */
document.querySelectorAll("[data-filter]").forEach(function (input) {
  var box = document.getElementById(input.getAttribute("data-filter"));
  input.addEventListener("input", function () {
    var needle = input.value.trim().toLowerCase();
    box.querySelectorAll(".choice").forEach(function (row) {
      row.style.display = !needle || row.textContent.toLowerCase().indexOf(needle) >= 0 ? "" : "none";
    });
  });
});
