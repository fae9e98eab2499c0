// Chapter and transcript times seek the episode's player.
document.addEventListener("click", (event) => {
  const button = event.target.closest("button.seek");
  const player = document.getElementById("player");
  if (!button || !player) return;
  player.currentTime = Number(button.dataset.start);
  player.play().catch(() => {}); // autoplay may be refused; the position is still set
  player.focus();
});
