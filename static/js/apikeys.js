// API keys page: copy the new key to the clipboard (the field stays selectable by hand).
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy-target]");
  if (!button) return;
  const field = document.getElementById(button.dataset.copyTarget);
  const status = button.parentElement.querySelector("[data-copy-status]");
  field.select();
  try {
    await navigator.clipboard.writeText(field.value);
    if (status) status.textContent = "Copied.";
  } catch (error) {
    // Clipboard access needs HTTPS or localhost; the text is selected for Ctrl+C instead.
    if (status) status.textContent = "Press Ctrl+C (or ⌘C) to copy the selected key.";
  }
});
