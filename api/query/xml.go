package query

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"

	"github.com/keyhold/keyhold/api/pipeline"
)

// writeResult writes <ActionResponse xmlns=ns><ActionResult>res</ActionResult>
// <ResponseMetadata><RequestId>id</RequestId></ResponseMetadata></ActionResponse>.
func writeResult(w http.ResponseWriter, ns, action, requestID string, res any) error {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	resp := xml.StartElement{Name: xml.Name{Local: action + "Response"}, Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: ns}}}
	if err := enc.EncodeToken(resp); err != nil {
		return fmt.Errorf("query: encode response: %w", err)
	}
	result := xml.StartElement{Name: xml.Name{Local: action + "Result"}}
	var err error
	if res == nil {
		if err = enc.EncodeToken(result); err == nil {
			err = enc.EncodeToken(result.End())
		}
	} else {
		err = enc.EncodeElement(res, result)
	}
	if err == nil {
		err = enc.EncodeElement(struct {
			RequestID string `xml:"RequestId"`
		}{requestID}, xml.StartElement{Name: xml.Name{Local: "ResponseMetadata"}})
	}
	if err == nil {
		err = enc.EncodeToken(resp.End())
	}
	if err == nil {
		err = enc.Flush()
	}
	if err != nil {
		return fmt.Errorf("query: encode response: %w", err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/xml")
	h.Set("X-Amzn-RequestId", requestID)
	h.Set("Content-Length", fmt.Sprint(buf.Len()))
	_, _ = w.Write(buf.Bytes())
	return nil
}

// errorResponse is the Query protocol's error document.
type errorResponse struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Error   struct {
		Type    string
		Code    string
		Message string `xml:",omitempty"`
	}
	RequestID string `xml:"RequestId"`
}

func writeError(w http.ResponseWriter, ns, requestID string, aws pipeline.AWSError, msg string) {
	e := errorResponse{Xmlns: ns, RequestID: requestID}
	e.Error.Type = "Sender"
	if aws.Status >= 500 {
		e.Error.Type = "Receiver"
	}
	e.Error.Code, e.Error.Message = aws.Code, msg
	b, _ := xml.Marshal(e)
	h := w.Header()
	h.Set("Content-Type", "text/xml")
	h.Set("X-Amzn-RequestId", requestID)
	w.WriteHeader(aws.Status)
	_, _ = w.Write(append([]byte(xml.Header), b...))
}
