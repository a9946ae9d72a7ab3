import { themeStore } from 'site-theme'

// Module-level state and a module-level subscription: right when this module is evaluated
// once per process, a leak when the bundle containing it is evaluated on every request
// (each evaluation adds one more onThemeChange listener, which keeps that evaluation alive).
let theme = themeStore.get()
themeStore.subscribe(function onThemeChange(next) {
  theme = next
})

export function ThemedFigure({ src, alt, caption }) {
  return (
    <figure className={'figure figure-' + theme}>
      <img src={src.replace('{theme}', theme)} alt={alt} loading="lazy" />
      {caption ? <figcaption>{caption}</figcaption> : null}
    </figure>
  )
}
