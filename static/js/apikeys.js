// API keys page: copy the new key to the clipboard (the field stays selectable by hand).
// Its strings come from the translation catalog (i18n/catalog.js, loaded by base.html).
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy-target]");
  if (!button) return;
  const field = document.getElementById(button.dataset.copyTarget);
  const status = button.parentElement.querySelector("[data-copy-status]");
  field.select();
  try {
    await navigator.clipboard.writeText(field.value);
    if (status) status.textContent = gettext("Copied.");
  } catch (error) {
    // Clipboard access needs HTTPS or localhost; the text is selected for Ctrl+C instead.
    if (status) status.textContent = gettext("Press Ctrl+C (or ⌘C) to copy the selected key.");
  }
});
