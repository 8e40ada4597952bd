// Self-check questions (book_ext/selfcheck.py): the reader answers, the page says whether the
// answer is right and then opens the explanation. Everything happens in this page; nothing is
// sent or stored. Without this script the answer waits in a collapsed <details>.
(function () {
  "use strict";

  // A typed number: spaces, commas and underscores between digits are allowed ("61,706").
  function parseNumber(text) {
    const cleaned = text.trim().replace(/[\s,_\u2009\u202f]/g, "").replace(/\u2212/g, "-");
    if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(cleaned)) {
      return null;
    }
    return Number(cleaned);
  }

  function say(form, message, state) {
    const feedback = form.querySelector(".self-check-feedback");
    feedback.textContent = message;
    feedback.dataset.state = state;
  }

  function reveal(form, correct) {
    form.classList.add("self-check-done");
    form.querySelector("details.self-check-answer").open = true;
    form.querySelector(".self-check-reveal").hidden = true;
    if (!correct) {
      say(form, "The answer and its explanation are shown below.", "info");
    }
  }

  function numericVerdict(form) {
    const input = form.querySelector("input.self-check-number");
    if (!input.value.trim()) {
      return { message: "Type a number first." };
    }
    const value = parseNumber(input.value);
    if (value === null) {
      return { message: `"${input.value.trim()}" is not a number: type digits, like 1024.` };
    }
    const answer = Number(form.dataset.answer);
    const tolerance = Number(form.dataset.tolerance) + 1e-9 * Math.abs(answer);
    return { correct: Math.abs(value - answer) <= tolerance };
  }

  function choiceVerdict(form) {
    const chosen = Array.from(form.querySelectorAll(".self-check-choice input:checked"),
                              (input) => input.value);
    if (!chosen.length) {
      return { message: "Choose an answer first." };
    }
    return { correct: chosen.sort().join(",") === form.dataset.answer.split(",").sort().join(",") };
  }

  function check(form) {
    const verdict = form.dataset.kind === "numeric" ? numericVerdict(form) : choiceVerdict(form);
    if (verdict.message) {
      say(form, verdict.message, "info");
      return;
    }
    if (verdict.correct) {
      say(form, "Correct! The explanation is below.", "correct");
      reveal(form, true);
      return;
    }
    const tries = Number(form.dataset.tries || 0) + 1;
    form.dataset.tries = tries;
    const hint = form.dataset.kind === "multiple" ? " Select every right answer and no other." : "";
    say(form, `Not quite (attempt ${tries}).${hint} Try again, or show the answer.`, "wrong");
    form.querySelector(".self-check-reveal").hidden = form.classList.contains("self-check-done");
  }

  function setUp(form) {
    form.querySelectorAll("[data-self-check-live]").forEach((element) => { element.hidden = false; });
    form.classList.add("self-check-ready");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      check(form);
    });
    form.querySelector(".self-check-reveal").addEventListener("click", () => reveal(form, false));
  }

  function setUpAll() {
    document.querySelectorAll("form.self-check").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpAll);
  } else {
    setUpAll();
  }
})();
