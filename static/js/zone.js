// Tells the server the browser's time zone (a cookie), so meeting times can also be shown
// in the viewer's zone where it differs from the club's (club/core/formatting.py).
(function () {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!zone || document.cookie.split('; ').includes('club_tz=' + encodeURIComponent(zone))) return;
  document.cookie = 'club_tz=' + encodeURIComponent(zone) + '; path=/; max-age=31536000; samesite=lax';
})();
