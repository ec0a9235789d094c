package s3

import (
	"encoding/xml"
	"net/url"
)

// S3 configures buckets and objects through query "subresources" (?cors, ?acl, ...). keyhold
// implements encryption, location, uploads and delete (router.go); for the rest it answers what
// S3 answers for a bucket or object that has none of that configuration, so that tools which
// read it first (s3cmd info, Terraform, backup tools) carry on, and refuses writes of it with
// NotImplemented. A subresource is never mistaken for a listing or a GetObject.

// bucketSubresources are the bucket query parameters that select another operation than
// ListObjects, with the operation's name.
var bucketSubresources = map[string]string{
	"accelerate": "BucketAccelerateConfiguration", "acl": "BucketAcl", "analytics": "BucketAnalyticsConfiguration",
	"cors": "BucketCors", "intelligent-tiering": "BucketIntelligentTieringConfiguration",
	"inventory": "BucketInventoryConfiguration", "lifecycle": "BucketLifecycleConfiguration",
	"logging": "BucketLogging", "metadataTable": "BucketMetadataTableConfiguration",
	"metrics": "BucketMetricsConfiguration", "notification": "BucketNotificationConfiguration",
	"object-lock": "ObjectLockConfiguration", "ownershipControls": "BucketOwnershipControls",
	"policy": "BucketPolicy", "policyStatus": "BucketPolicyStatus", "publicAccessBlock": "PublicAccessBlock",
	"replication": "BucketReplication", "requestPayment": "BucketRequestPayment", "session": "Session",
	"tagging": "BucketTagging", "versioning": "BucketVersioning", "versions": "ObjectVersions",
	"website": "BucketWebsite",
}

// objectSubresources are the object query parameters that select another operation than
// GetObject, PutObject or DeleteObject.
var objectSubresources = map[string]string{
	"acl": "ObjectAcl", "attributes": "ObjectAttributes", "legal-hold": "ObjectLegalHold",
	"restore": "RestoreObject", "retention": "ObjectRetention", "select": "SelectObjectContent",
	"tagging": "ObjectTagging", "torrent": "ObjectTorrent", "renameObject": "RenameObject",
}

// absentConfig is the error S3 gives a GET of bucket configuration that was never set.
var absentConfig = map[string]error{
	"cors":        s3Err(errNoSuchCORS, "The CORS configuration does not exist"),
	"lifecycle":   s3Err(errNoSuchLifecycle, "The lifecycle configuration does not exist"),
	"tagging":     s3Err(errNoSuchTagSet, "The TagSet does not exist"),
	"website":     s3Err(errNoSuchWebsite, "The specified bucket does not have a website configuration"),
	"object-lock": s3Err(errNoObjectLockConfig, "Object Lock configuration does not exist for this bucket"),
	"replication": s3Err(errNoReplication, "The replication configuration was not found"),
}

// emptyConfig is the document S3 returns for a GET of configuration whose default is "off".
var emptyConfig = map[string]configDoc{
	"versioning":     {XMLName: xml.Name{Local: "VersioningConfiguration"}},
	"logging":        {XMLName: xml.Name{Local: "BucketLoggingStatus"}},
	"notification":   {XMLName: xml.Name{Local: "NotificationConfiguration"}},
	"accelerate":     {XMLName: xml.Name{Local: "AccelerateConfiguration"}},
	"requestPayment": {XMLName: xml.Name{Local: "RequestPaymentConfiguration"}, Payer: "BucketOwner"},
}

// configDoc is an emptyConfig document.
type configDoc struct {
	XMLName xml.Name
	Xmlns   string `xml:"xmlns,attr"`
	Payer   string `xml:"Payer,omitempty"`
}

// checkVersionID refuses a versionId other than "null": keyhold buckets are unversioned, and in
// an unversioned bucket S3 knows only the null version.
func checkVersionID(q url.Values) error {
	if v, ok := q["versionId"]; ok && (len(v) != 1 || v[0] != "null") {
		return s3Err(errInvalidArgument, "Invalid version id specified")
	}
	return nil
}
