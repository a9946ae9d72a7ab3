'use strict'
// The site's colour theme, one per process. The MDX components import it as 'site-theme'
// (mdx-bundler `globals`) and subscribe to changes at module level.

class ThemeStore {
  constructor(theme) {
    this.theme = theme
    this.listeners = new Set()
  }

  get() {
    return this.theme
  }

  set(theme) {
    this.theme = theme
    for (const listener of this.listeners) listener(theme)
  }

  subscribe(listener) {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
}

module.exports = { themeStore: new ThemeStore('light') }
