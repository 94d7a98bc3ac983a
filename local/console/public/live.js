/** Runs `fn` once after calls stop arriving for `ms`, so a burst of live events costs one reload. */
export function debounce(fn, ms) {
  let timer;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(fn, ms);
  };
}
