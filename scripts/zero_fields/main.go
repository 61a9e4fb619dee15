// Command zero_fields lists, for every kind client-go's scheme knows, the fields the API server
// drops when they hold their zero value: non-pointer bool and integer fields tagged omitempty
// (or omitzero). A manifest that sets `hostNetwork: false` reads back without the field, and
// that is not drift. Pointer fields (*bool, *int32) keep an explicit false or 0, so they are
// not listed: there, a live object without the field differs from one with false.
//
// Output (stdout): JSON {"source", "regenerate", "kinds": {"kind": ["spec.template.spec.hostNetwork", "spec.ports[].nodePort", ...]}}
// where [] is any list item and * any map value. `go run . > ../../drift_action/compare/data/zero_fields.json` writes
// the table the product reads.
package main

import (
	"encoding/json"
	"os"
	"reflect"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"
)

// apiVersion is the k8s.io/api version go.mod pins (kept in step by hand: go.mod is the source).
const apiVersion = "v0.36.3"

// preferred ranks a group version: the core group first, then GA over beta over alpha.
func preferred(gv schema.GroupVersion) int {
	rank := 0
	if gv.Group == "" {
		rank += 100
	}
	switch {
	case strings.Contains(gv.Version, "alpha"):
	case strings.Contains(gv.Version, "beta"):
		rank += 10
	default:
		rank += 20
	}
	return rank
}

func walk(t reflect.Type, path string, seen map[reflect.Type]bool, out map[string]bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return // []byte is a base64 string
		}
		walk(t.Elem(), path+"[]", seen, out)
		return
	case reflect.Map:
		walk(t.Elem(), path+".*", seen, out)
		return
	case reflect.Struct:
	default:
		return
	}
	if seen[t] {
		return // recursive types (JSONSchemaProps)
	}
	seen[t] = true
	defer delete(seen, t)
	for i := 0; i < t.NumField(); i++ {
		field := t.Field(i)
		tag := field.Tag.Get("json")
		name, options, _ := strings.Cut(tag, ",")
		if name == "-" || !field.IsExported() {
			continue
		}
		if name == "" && (strings.Contains(options, "inline") || field.Anonymous) {
			walk(field.Type, path, seen, out)
			continue
		}
		if name == "" {
			name = field.Name
		}
		child := name
		if path != "" {
			child = path + "." + name
		}
		dropped := strings.Contains(","+options+",", ",omitempty,") || strings.Contains(","+options+",", ",omitzero,")
		switch field.Type.Kind() {
		case reflect.Bool, reflect.Int, reflect.Int32, reflect.Int64:
			if dropped {
				out[child] = true
			}
		default:
			walk(field.Type, child, seen, out)
		}
	}
}

func main() {
	best := map[string]schema.GroupVersionKind{}
	for gvk := range scheme.Scheme.AllKnownTypes() {
		if gvk.Version == "__internal" || strings.HasSuffix(gvk.Kind, "List") || strings.HasSuffix(gvk.Kind, "Options") {
			continue
		}
		if old, ok := best[gvk.Kind]; !ok || preferred(gvk.GroupVersion()) > preferred(old.GroupVersion()) ||
			(preferred(gvk.GroupVersion()) == preferred(old.GroupVersion()) && gvk.GroupVersion().String() > old.GroupVersion().String()) {
			best[gvk.Kind] = gvk
		}
	}
	table := map[string][]string{}
	for kind, gvk := range best {
		out := map[string]bool{}
		walk(scheme.Scheme.AllKnownTypes()[gvk], "", map[reflect.Type]bool{}, out)
		paths := []string{}
		for p := range out {
			// Server-set metadata and status are never compared.
			if strings.HasPrefix(p, "status") || strings.HasPrefix(p, "metadata.") {
				continue
			}
			paths = append(paths, p)
		}
		if len(paths) > 0 {
			sort.Strings(paths)
			table[kind] = paths
		}
	}
	document := map[string]any{
		"source":     "k8s.io/api " + apiVersion + " Go types, by kind (client-go's scheme)",
		"regenerate": "cd scripts/zero_fields && go run . > ../../drift_action/compare/data/zero_fields.json",
		"kinds":      table,
	}
	if err := json.NewEncoder(os.Stdout).Encode(document); err != nil {
		panic(err)
	}
}
