// next/font/google without network (NEXT_FONT_GOOGLE_MOCKED_RESPONSES, a hook Next.js and
// Turbopack read): create-next-app's layout loads Geist and Geist Mono from Google Fonts, which the
// CI machine cannot reach. `local()` sources need no font file, so the build fetches nothing.
const face = (family) => `/* latin */
@font-face {
  font-family: '${family}';
  font-style: normal;
  font-weight: 100 900;
  font-display: swap;
  src: local('${family}');
  unicode-range: U+0000-00FF;
}
`
module.exports = {
  'https://fonts.googleapis.com/css2?family=Geist:wght@100..900&display=swap': face('Geist'),
  'https://fonts.googleapis.com/css2?family=Geist+Mono:wght@100..900&display=swap':
    face('Geist Mono'),
}
