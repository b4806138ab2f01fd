package assembly

import (
	"github.com/docketd/docketd/config"
	"github.com/docketd/docketd/source"
)

// CheckReader builds the reader of the [[sources]] entry sc exactly as a sync does (the same kind constructor, the
// same spec), for `docketd check` to read the source without a store: zones come from the caller
// (store.OfflineZones), and unknown, when set, is told every attorney cell that names no [[attorneys]] entry.
func CheckReader(cfg *config.Config, sc config.Source, zones source.Zoner, unknown func(string)) (source.Reader, error) {
	kind, ok := source.Lookup(sc.Kind)
	if !ok {
		_, r, err := sourceReader(cfg, sc, zones)
		return r, err
	}
	spec := readerSpec(cfg, sc, zones)
	if known := spec.KnownAttorney; known != nil && unknown != nil {
		spec.KnownAttorney = func(s string) bool {
			ok := known(s)
			if !ok {
				unknown(s)
			}
			return ok
		}
	}
	return kind.New(spec)
}
