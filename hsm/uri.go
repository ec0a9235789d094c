package hsm

import (
	"fmt"
	"strings"
)

// URI is a parsed RFC 7512 PKCS#11 URI. Path attributes name the token (and, for callers that
// need it, an object); query attributes say how to load the module and where the PIN is. Values
// are stored percent-decoded. Empty means absent.
//
// URI holds PINValue, a secret: String never prints it, and neither does %v (through String).
type URI struct {
	// Token attributes (CK_TOKEN_INFO), used to find the token.
	Token        string // "token": the token label
	Manufacturer string // "manufacturer": manufacturerID
	Serial       string // "serial": serialNumber
	Model        string // "model"

	// Library and slot attributes: parsed and kept, not used for lookup. SlotID in particular is
	// ignored because slot ids are the module's to re-number.
	LibraryManufacturer string // "library-manufacturer"
	LibraryDescription  string // "library-description"
	LibraryVersion      string // "library-version", "M" or "M.m"
	SlotDescription     string // "slot-description"
	SlotManufacturer    string // "slot-manufacturer"
	SlotID              string // "slot-id", decimal

	// Object attributes.
	Object string // "object": CKA_LABEL
	Type   string // "type": public, private, cert, secret-key or data
	ID     []byte // "id": CKA_ID

	// Query attributes.
	ModulePath string // "module-path": the module's file
	ModuleName string // "module-name": the module's name, without directory or suffix
	PINValue   string // "pin-value": the PIN itself; a secret
	PINSource  string // "pin-source": file:/path or a bare path to a file holding the PIN

	// Vendor holds "x-" attributes in the order they appeared. Unknown attributes without the
	// "x-" prefix are an error: they are almost always typos ("tokne=") that would otherwise
	// widen the match.
	Vendor []VendorAttr
}

// VendorAttr is one vendor-specific ("x-") attribute.
type VendorAttr struct {
	Name, Value string
	Query       bool // in the query component rather than the path
}

// maxURI bounds the input ParseURI accepts; real URIs are a few hundred bytes.
const maxURI = 8 << 10

// pathField returns the field a string-valued RFC 7512 path attribute fills, nil if unknown.
func (u *URI) pathField(name string) *string {
	switch name {
	case "token":
		return &u.Token
	case "manufacturer":
		return &u.Manufacturer
	case "serial":
		return &u.Serial
	case "model":
		return &u.Model
	case "library-manufacturer":
		return &u.LibraryManufacturer
	case "library-description":
		return &u.LibraryDescription
	case "library-version":
		return &u.LibraryVersion
	case "slot-description":
		return &u.SlotDescription
	case "slot-manufacturer":
		return &u.SlotManufacturer
	case "slot-id":
		return &u.SlotID
	case "object":
		return &u.Object
	case "type":
		return &u.Type
	}
	return nil
}

// queryField returns the field a standard query attribute fills, nil if unknown.
func (u *URI) queryField(name string) *string {
	switch name {
	case "module-path":
		return &u.ModulePath
	case "module-name":
		return &u.ModuleName
	case "pin-value":
		return &u.PINValue
	case "pin-source":
		return &u.PINSource
	}
	return nil
}

// ParseURI parses an RFC 7512 PKCS#11 URI. It is strict where the RFC is: attributes appear at
// most once (vendor query attributes excepted), pin-value and pin-source exclude each other,
// percent escapes are well formed, type and slot-id hold valid values. Unknown attributes are
// refused unless vendor-specific ("x-" prefix), which are kept in Vendor.
func ParseURI(s string) (URI, error) {
	var u URI
	if len(s) > maxURI {
		return URI{}, fmt.Errorf("%w: longer than %d bytes", ErrBadURI, maxURI)
	}
	const scheme = "pkcs11:"
	if len(s) < len(scheme) || !strings.EqualFold(s[:len(scheme)], scheme) {
		return URI{}, fmt.Errorf("%w: does not start with %q", ErrBadURI, scheme)
	}
	rest := s[len(scheme):]
	if strings.Contains(rest, "#") {
		return URI{}, fmt.Errorf("%w: fragments are not allowed", ErrBadURI)
	}
	path, query, hasQuery := strings.Cut(rest, "?")
	seen := map[string]bool{}
	if path != "" {
		for attr := range strings.SplitSeq(path, ";") {
			name, value, err := splitAttr(attr)
			if err != nil {
				return URI{}, err
			}
			if seen[name] {
				return URI{}, fmt.Errorf("%w: path attribute %q repeated", ErrBadURI, name)
			}
			seen[name] = true
			if err := u.setPath(name, value); err != nil {
				return URI{}, err
			}
		}
	}
	if hasQuery {
		if query == "" {
			return URI{}, fmt.Errorf("%w: empty query", ErrBadURI)
		}
		for attr := range strings.SplitSeq(query, "&") {
			name, value, err := splitAttr(attr)
			if err != nil {
				return URI{}, err
			}
			if strings.HasPrefix(name, "x-") {
				u.Vendor = append(u.Vendor, VendorAttr{Name: name, Value: value, Query: true})
				continue
			}
			f := u.queryField(name)
			if f == nil {
				return URI{}, fmt.Errorf("%w: unknown query attribute %q", ErrBadURI, name)
			}
			if seen["?"+name] {
				return URI{}, fmt.Errorf("%w: query attribute %q repeated", ErrBadURI, name)
			}
			seen["?"+name] = true
			*f = value
		}
		if seen["?pin-value"] && seen["?pin-source"] {
			return URI{}, fmt.Errorf("%w: pin-value and pin-source exclude each other", ErrBadURI)
		}
	}
	return u, nil
}

func (u *URI) setPath(name, value string) error {
	if strings.HasPrefix(name, "x-") {
		u.Vendor = append(u.Vendor, VendorAttr{Name: name, Value: value})
		return nil
	}
	if name == "id" {
		if value != "" {
			u.ID = []byte(value)
		}
		return nil
	}
	f := u.pathField(name)
	if f == nil {
		return fmt.Errorf("%w: unknown path attribute %q", ErrBadURI, name)
	}
	switch name {
	case "type":
		switch value {
		case "", "public", "private", "cert", "secret-key", "data":
		default:
			return fmt.Errorf("%w: type %q is not public, private, cert, secret-key or data", ErrBadURI, value)
		}
	case "slot-id":
		if !isDecimal(value) || len(value) > 19 {
			return fmt.Errorf("%w: slot-id must be a decimal number", ErrBadURI)
		}
	case "library-version":
		maj, min, dot := strings.Cut(value, ".")
		if !isDecimal(maj) || dot && !isDecimal(min) {
			return fmt.Errorf("%w: library-version must be M or M.m", ErrBadURI)
		}
	}
	*f = value
	return nil
}

// splitAttr splits "name=value" and percent-decodes the value.
func splitAttr(attr string) (string, string, error) {
	name, raw, ok := strings.Cut(attr, "=")
	if !ok {
		return "", "", fmt.Errorf("%w: attribute %q has no '='", ErrBadURI, truncate(attr))
	}
	if name == "" {
		return "", "", fmt.Errorf("%w: attribute with an empty name", ErrBadURI)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return "", "", fmt.Errorf("%w: attribute name %q", ErrBadURI, truncate(name))
		}
	}
	value, err := pctDecode(raw)
	if err != nil {
		// Not the value: it may be a PIN.
		return "", "", fmt.Errorf("%w: attribute %q: %v", ErrBadURI, name, err)
	}
	return name, value, nil
}

// String formats u as a PKCS#11 URI in a fixed attribute order, without pin-value: it is meant
// for logs and configuration echoes. Parsing it gives back u with PINValue empty.
func (u URI) String() string {
	var b strings.Builder
	b.WriteString("pkcs11:")
	sep := ""
	path := func(name, value string) {
		if value == "" {
			return
		}
		b.WriteString(sep)
		b.WriteString(name)
		b.WriteByte('=')
		b.WriteString(pctEncode(value, false))
		sep = ";"
	}
	path("token", u.Token)
	path("manufacturer", u.Manufacturer)
	path("serial", u.Serial)
	path("model", u.Model)
	path("library-manufacturer", u.LibraryManufacturer)
	path("library-description", u.LibraryDescription)
	path("library-version", u.LibraryVersion)
	path("slot-description", u.SlotDescription)
	path("slot-manufacturer", u.SlotManufacturer)
	path("slot-id", u.SlotID)
	path("object", u.Object)
	path("type", u.Type)
	path("id", string(u.ID))
	for _, v := range u.Vendor {
		if !v.Query {
			b.WriteString(sep)
			b.WriteString(v.Name)
			b.WriteByte('=')
			b.WriteString(pctEncode(v.Value, false))
			sep = ";"
		}
	}
	sep = "?"
	query := func(name, value string, vendor bool) {
		if value == "" && !vendor {
			return
		}
		b.WriteString(sep)
		b.WriteString(name)
		b.WriteByte('=')
		b.WriteString(pctEncode(value, true))
		sep = "&"
	}
	query("module-name", u.ModuleName, false)
	query("module-path", u.ModulePath, false)
	query("pin-source", u.PINSource, false)
	for _, v := range u.Vendor {
		if v.Query {
			query(v.Name, v.Value, true)
		}
	}
	return b.String()
}

// GoString keeps %#v from printing pin-value: it formats like String.
func (u URI) GoString() string { return u.String() }
