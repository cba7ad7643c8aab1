// Check-in with the phone's camera: reads a ticket's QR code and opens that ticket, where
// the club manager checks the person in. The browser's BarcodeDetector where it has one,
// else jsQR (static/vendor/, loaded only when needed). Without a camera the section stays
// hidden and the list below does the work.
(function () {
  const section = document.getElementById('camera-check-in');
  if (!section) return;
  const start = section.querySelector('[data-camera-start]');
  const video = section.querySelector('video');
  const status = section.querySelector('[data-camera-status]');
  const prefix = new URL(section.dataset.ticketPrefix, location.href).pathname;
  let stream = null;

  // Where a decoded text leads: a ticket of this club, or nowhere.
  function ticketPath(text) {
    try {
      const url = new URL(text, location.href);
      return url.origin === location.origin && url.pathname.startsWith(prefix) ? url.pathname : null;
    } catch (error) {
      return null;
    }
  }

  function loadJsQR() {
    if (window.jsQR) return Promise.resolve(window.jsQR);
    return new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = section.dataset.decoder;
      script.onload = () => resolve(window.jsQR);
      script.onerror = reject;
      document.head.append(script);
    });
  }

  // Decodes one image (a video, canvas or image element): the QR code's text, or null.
  async function decode(source) {
    if ('BarcodeDetector' in window) {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (formats.includes('qr_code')) {
        const codes = await new window.BarcodeDetector({formats: ['qr_code']}).detect(source);
        return codes.length ? codes[0].rawValue : null;
      }
    }
    const jsQR = await loadJsQR();
    const width = source.videoWidth || source.naturalWidth || source.width;
    const height = source.videoHeight || source.naturalHeight || source.height;
    if (!width || !height) return null;
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext('2d', {willReadFrequently: true});
    context.drawImage(source, 0, 0, width, height);
    const found = jsQR(context.getImageData(0, 0, width, height).data, width, height);
    return found ? found.data : null;
  }

  async function scan() {
    if (!stream) return;
    const text = await decode(video).catch(() => null);
    const path = text && ticketPath(text);
    if (path) {
      status.textContent = section.dataset.found;
      stream.getTracks().forEach((track) => track.stop());
      location.assign(path);
      return;
    }
    if (text) status.textContent = section.dataset.notTicket;
    setTimeout(scan, 250);
  }

  start.addEventListener('click', async () => {
    try {
      stream = await navigator.mediaDevices.getUserMedia({video: {facingMode: 'environment'}, audio: false});
    } catch (error) {
      status.textContent = section.dataset.noCamera;
      return;
    }
    video.srcObject = stream;
    video.hidden = false;
    start.hidden = true;
    status.textContent = section.dataset.looking;
    await video.play();
    scan();
  });

  window.clubCheckIn = {decode, ticketPath};  // for the browser tests
  if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) section.hidden = false;
})();
