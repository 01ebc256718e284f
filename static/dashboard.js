// The dashboard's only script: the worklist refreshes its rows from the
// live event stream (GET /v1/events, with the session cookie), and the
// page title counts the rows that wait for a physician.
"use strict";

(function () {
  const rows = document.getElementById("rows");
  const live = document.getElementById("live");
  if (!rows || !live || typeof EventSource === "undefined") {
    return;
  }
  const base = live.dataset.title || document.title;
  const product = document.title.split(" · ").pop();
  let pending = null;

  function showCount(waiting) {
    const prefix = waiting > 0 ? "(" + waiting + ") " : "";
    document.title = prefix + base + " · " + product;
  }

  async function refresh() {
    pending = null;
    const response = await fetch("/dashboard/worklist/rows", {
      credentials: "same-origin",
      headers: { Accept: "text/html" },
    });
    if (response.redirected || !response.ok) {
      return;
    }
    rows.innerHTML = await response.text();
    showCount(Number(response.headers.get("x-waiting") || "0"));
    rows.classList.remove("updated");
    void rows.offsetWidth;
    rows.classList.add("updated");
  }

  function soon() {
    if (pending === null) {
      pending = setTimeout(refresh, 150);
    }
  }

  const stream = new EventSource("/v1/events");
  ["alert.created", "alert.escalated", "alert.reopened", "alert.snoozed",
   "alert.overdue", "alert.acknowledged", "alert.resolved", "resync"]
    .forEach(function (type) { stream.addEventListener(type, soon); });
  showCount(Number(rows.dataset.waiting || "0"));
})();
