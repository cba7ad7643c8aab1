// The quiz countdown (templates/learning/_countdown.html). The server said how many seconds
// were left when it sent the page; this counts them down on the browser's monotonic clock
// (a wrong wall clock changes nothing) and, at zero, sends the answers on the page. The
// server decides whether they came in time.
(function () {
  "use strict";
  var timer = document.getElementById("countdown");
  if (!timer) return;
  var endsAt = performance.now() + Number(timer.dataset.secondsLeft) * 1000;
  var template = timer.dataset.template;
  var sent = false;

  function clock(total) {
    var hours = Math.floor(total / 3600);
    var minutes = Math.floor((total % 3600) / 60);
    var seconds = total % 60;
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return hours ? hours + ":" + pad(minutes) + ":" + pad(seconds) : minutes + ":" + pad(seconds);
  }

  function sendAnswers() {
    sent = true;
    timer.textContent = timer.dataset.over;
    var step = document.getElementById("quiz-step");
    var whole = document.getElementById("quiz-form");
    var form = step || whole;
    if (form && form.requestSubmit) {
      if (step) {
        var go = document.createElement("input");
        go.type = "hidden";
        go.name = "go";
        go.value = "submit";
        step.appendChild(go);
      }
      form.requestSubmit();
    }
    // Whatever happens to the request, the result page says what the server decided.
    window.setTimeout(function () { window.location.assign(timer.dataset.resultUrl); }, 4000);
  }

  function tick() {
    var left = Math.max(0, Math.ceil((endsAt - performance.now()) / 1000));
    if (sent) return;
    if (left <= 0) { sendAnswers(); return; }
    timer.textContent = template.replace("{time}", clock(left));
    timer.classList.toggle("countdown--urgent", left <= 60);
    window.setTimeout(tick, 1000 - ((endsAt - performance.now()) % 1000));
  }
  tick();
})();
