// Loaded before the Bootstrap Italia bundle: its bundled video.js must not inject <style> elements,
// which the Content-Security-Policy (style-src 'self') forbids. No video player is used here.
window.VIDEOJS_NO_DYNAMIC_STYLE = true;
