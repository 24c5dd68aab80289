// logipool's only script: progressive enhancements; every page works without it.
document.addEventListener("change", function (event) {
  // the language menu applies at once (its button stays for keyboards and no-script)
  if (event.target.classList.contains("autosubmit")) { event.target.form.submit(); }
});
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy]");
  if (!button) { return; }
  var input = document.getElementById(button.getAttribute("data-copy"));
  input.select();
  if (navigator.clipboard) { navigator.clipboard.writeText(input.value); }
  button.textContent = button.getAttribute("data-copied");
});
