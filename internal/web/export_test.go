package web

import "io/fs"

// Catalogue exposes a language's texts to the tests.
func Catalogue(lang string) map[string]string { return catalogues()[lang] }

// TemplateTexts returns every page template's source by name.
func TemplateTexts() map[string]string {
	out := map[string]string{}
	names, _ := fs.Glob(assets, "templates/html/*.html")
	for _, n := range names {
		b, _ := assets.ReadFile(n)
		out[n] = string(b)
	}
	return out
}
