package domain

// TLSPin returns this node's peer TLS pin (Config.TLSPin): what an admit-node proposal for this
// node records as Member.TLSPin (GET /v1/node/identity reports it); nil without peer TLS.
func (s *Service) TLSPin() []byte { return append([]byte(nil), s.cfg.TLSPin...) }
