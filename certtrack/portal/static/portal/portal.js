// "Copy link" buttons: copy the verification link and say so (the field stays selectable
// for browsers without the clipboard API).
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const input = document.getElementById(button.dataset.copy);
  const status = document.querySelector(`[data-copied-for="${button.dataset.copy}"]`);
  input.select();
  try {
    await navigator.clipboard.writeText(input.value);
    status.textContent = "Link copied.";
  } catch {
    status.textContent = "Press Ctrl+C (or ⌘C) to copy the selected link.";
  }
});

// Progress widths arrive as data attributes, set through the CSSOM (the CSP allows no
// style="" attribute).
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-width]").forEach((el) => {
    el.style.width = `${el.dataset.width}%`;
  });
});
