// Small progressive enhancements; every page works without this file.
document.addEventListener("click", (event) => {
  // <button data-confirm="..."> asks before a destructive or final action.
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
});
