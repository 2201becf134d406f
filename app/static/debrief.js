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
