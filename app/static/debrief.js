// Debrief's small progressive enhancements. Pages work without it.
document.addEventListener("DOMContentLoaded", () => {
  // Confirm destructive buttons marked with data-confirm.
  document.querySelectorAll("[data-confirm]").forEach((el) => {
    el.addEventListener("click", (ev) => {
      if (!window.confirm(el.dataset.confirm)) ev.preventDefault();
    });
  });
});

// Upload with a progress bar: send the form by XHR, then open the preview it names.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[data-upload-progress]").forEach((form) => {
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const bar = form.querySelector("progress");
      const text = form.querySelector(".progress-text");
      const button = form.querySelector("button[type=submit]");
      const xhr = new XMLHttpRequest();
      xhr.open("POST", form.action || window.location.href);
      xhr.setRequestHeader("Accept", "application/json");
      bar.hidden = false;
      button.disabled = true;
      xhr.upload.addEventListener("progress", (e) => {
        if (e.lengthComputable) {
          bar.value = Math.round((100 * e.loaded) / e.total);
          text.textContent = `Uploading… ${bar.value}%`;
        }
      });
      xhr.upload.addEventListener("load", () => { text.textContent = "Reading the file…"; });
      xhr.addEventListener("load", () => {
        if (xhr.status === 200) {
          text.textContent = "Preparing the preview…";
          window.location = JSON.parse(xhr.responseText).preview_url;
        } else {
          document.open(); document.write(xhr.responseText); document.close();
        }
      });
      xhr.addEventListener("error", () => { text.textContent = "Upload failed."; button.disabled = false; });
      xhr.send(new FormData(form));
    });
  });
});

// Review editor: live preview, blameless findings and autosave with version checks.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[data-autosave]").forEach((form) => {
    const area = form.querySelector("textarea[name=content]");
    const preview = form.querySelector(".preview");
    const findings = form.querySelector(".findings");
    const state = form.querySelector(".save-state");
    const version = form.querySelector("input[name=version]");
    const token = form.querySelector("input[name=csrf_token]").value;
    let previewTimer = null;
    let saveTimer = null;
    let lastSaved = area.value;

    const renderFindings = (items) => {
      findings.replaceChildren();
      items.forEach((f) => {
        const li = document.createElement("li");
        li.className = `finding ${f.severity}`;
        const strong = document.createElement("strong");
        strong.textContent = f.title || f.rule;
        li.append(strong, `: “${f.text}” — ${f.why} `);
        const em = document.createElement("em");
        em.textContent = `Try: ${f.suggestion}`;
        li.append(em);
        findings.append(li);
      });
    };

    const refreshPreview = async () => {
      const body = new FormData();
      body.append("csrf_token", token);
      body.append("key", form.dataset.key);
      body.append("content", area.value);
      const resp = await fetch(form.dataset.previewUrl, { method: "POST", body, headers: { "X-CSRFToken": token } });
      if (!resp.ok) return;
      const data = await resp.json();
      preview.innerHTML = data.html; // sanitised server-side (markdown-it, raw HTML off, nh3)
      renderFindings(data.findings);
    };

    const save = async () => {
      if (area.value === lastSaved) return;
      const body = new FormData(form);
      state.textContent = "Saving…";
      const resp = await fetch(form.action, { method: "POST", body, headers: { Accept: "application/json" } });
      if (resp.status === 409) {
        state.textContent = "Someone else saved this section. Press Save to see both versions and merge.";
        return;
      }
      if (!resp.ok) { state.textContent = "Not saved."; return; }
      const data = await resp.json();
      version.value = data.version;
      lastSaved = area.value;
      state.textContent = `Saved ${new Date().toLocaleTimeString()}`;
    };

    area.addEventListener("input", () => {
      clearTimeout(previewTimer);
      previewTimer = setTimeout(refreshPreview, 400);
      clearTimeout(saveTimer);
      saveTimer = setTimeout(save, 2500);
      state.textContent = "Unsaved changes";
    });
  });
});

// Facilitator mode: phase timers, the current event, voices, keyboard shortcuts.
document.addEventListener("DOMContentLoaded", () => {
  const root = document.querySelector("[data-meeting]");
  if (!root) return;
  const events = [...root.querySelectorAll("[data-event]")];
  const phases = [...root.querySelectorAll("[data-phase]")];
  const voices = [...root.querySelectorAll("[data-voice]")];
  const moveOn = root.querySelector(".move-on");
  const total = root.querySelector(".timer-total");
  const toggle = root.querySelector("[data-action=toggle-timer]");
  let ev = 0, phase = 0, voice = -1, running = false, elapsed = phases.map(() => 0);

  const fmt = (s) => `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  const showEvent = (i) => {
    if (!events.length) return;
    ev = Math.max(0, Math.min(events.length - 1, i));
    events.forEach((e, k) => { e.hidden = k !== ev; });
    moveOn.hidden = true;
  };
  const showPhase = (i) => {
    phase = Math.max(0, Math.min(phases.length - 1, i));
    phases.forEach((p, k) => p.classList.toggle("current", k === phase));
  };
  const tick = () => {
    if (!running) return;
    elapsed[phase] += 1;
    phases.forEach((p, k) => {
      const limit = Number(p.dataset.minutes) * 60;
      const t = p.querySelector(".phase-timer");
      t.textContent = elapsed[k] ? `${fmt(elapsed[k])} / ${fmt(limit)}` : "";
      p.classList.toggle("over", elapsed[k] > limit);
    });
    total.textContent = `Meeting time ${fmt(elapsed.reduce((a, b) => a + b, 0))}`;
  };
  setInterval(tick, 1000);
  const toggleTimer = () => { running = !running; toggle.textContent = running ? "Pause" : "Start"; };
  const nextVoice = () => {
    if (!voices.length) return;
    voice = (voice + 1) % voices.length;
    voices.forEach((v, k) => v.classList.toggle("current", k === voice));
  };
  const actions = {
    "toggle-timer": toggleTimer,
    "next-phase": () => showPhase(phase + 1),
    "next-event": () => showEvent(ev + 1),
    "prev-event": () => showEvent(ev - 1),
    "move-on": () => { moveOn.hidden = false; setTimeout(() => showEvent(ev + 1), 1200); },
    "next-voice": nextVoice,
  };
  root.querySelectorAll("[data-action]").forEach((b) => b.addEventListener("click", () => actions[b.dataset.action]()));
  document.addEventListener("keydown", (e) => {
    if (["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName)) return;
    const map = { ArrowRight: "next-event", ArrowLeft: "prev-event", n: "next-phase", " ": "toggle-timer", m: "move-on", r: "next-voice" };
    if (e.key === "p") { e.preventDefault(); root.querySelector("[data-park-input]").focus(); return; }
    if (map[e.key]) { e.preventDefault(); actions[map[e.key]](); }
  });
});
