package saoy;

import eu.europa.esig.dss.enumerations.Indication;
import eu.europa.esig.dss.enumerations.SignatureLevel;
import eu.europa.esig.dss.jaxb.object.Message;
import eu.europa.esig.dss.model.FileDocument;
import eu.europa.esig.dss.simplereport.SimpleReport;
import eu.europa.esig.dss.spi.DSSUtils;
import eu.europa.esig.dss.spi.validation.CommonCertificateVerifier;
import eu.europa.esig.dss.spi.x509.CommonTrustedCertificateSource;
import eu.europa.esig.dss.validation.SignedDocumentValidator;
import eu.europa.esig.dss.validation.reports.Reports;

import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Validate PDFs with EU DSS against one trust anchor and print, per signature,
 * one line: {@code FILE SIGNATURE-ID FORMAT INDICATION SUBINDICATION}.
 *
 * <p>Usage: {@code DssValidate ROOT.pem[,ROOT2.pem...] FILE.pdf...}. Exit 0 when every
 * signature of every file is PAdES-BASELINE-B (or higher) with TOTAL_PASSED,
 * 1 otherwise, 2 on usage errors.
 *
 * <p>Policy: DSS's default policy with revocation requirements lowered from
 * FAIL to WARN (RevocationDataAvailable, AcceptableRevocationDataFound), because
 * the test PKI publishes no CRL/OCSP; this matches pyHanko's
 * --no-revocation-check in the same CI run. Everything else is the default.
 */
public final class DssValidate {
    private DssValidate() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: DssValidate ROOT.pem[,ROOT2.pem...] FILE.pdf...");
            System.exit(2);
        }
        String policy;
        try (InputStream in = DssValidate.class.getResourceAsStream("/policy/constraint.xml")) {
            if (in == null) {
                throw new IllegalStateException("default DSS policy not on the classpath");
            }
            policy = new String(in.readAllBytes(), StandardCharsets.UTF_8)
                .replace("<RevocationDataAvailable Level=\"FAIL\" />", "<RevocationDataAvailable Level=\"WARN\" />")
                .replace("<AcceptableRevocationDataFound Level=\"FAIL\" />", "<AcceptableRevocationDataFound Level=\"WARN\" />");
        }
        CommonTrustedCertificateSource trusted = new CommonTrustedCertificateSource();
        for (String root : args[0].split(",")) {
            trusted.addCertificate(DSSUtils.loadCertificate(new File(root)));
        }
        boolean allOk = true;
        for (int i = 1; i < args.length; i++) {
            CommonCertificateVerifier verifier = new CommonCertificateVerifier();
            verifier.setTrustedCertSources(trusted);
            verifier.setAIASource(null);
            verifier.setOcspSource(null);
            verifier.setCrlSource(null);
            SignedDocumentValidator validator = SignedDocumentValidator.fromDocument(new FileDocument(args[i]));
            validator.setCertificateVerifier(verifier);
            Reports reports = validator.validateDocument(
                new ByteArrayInputStream(policy.getBytes(StandardCharsets.UTF_8)));
            SimpleReport simple = reports.getSimpleReport();
            if (simple.getSignatureIdList().isEmpty()) {
                System.out.println(args[i] + " - NO_SIGNATURE - -");
                allOk = false;
            }
            for (String id : simple.getSignatureIdList()) {
                SignatureLevel format = simple.getSignatureFormat(id);
                Indication indication = simple.getIndication(id);
                Object sub = simple.getSubIndication(id);
                System.out.println(args[i] + " " + id + " " + format + " " + indication + " "
                    + (sub == null ? "-" : sub));
                for (Message m : simple.getAdESValidationErrors(id)) {
                    System.out.println("  error: " + m.getKey() + " " + m.getValue());
                }
                boolean levelOk = format == SignatureLevel.PAdES_BASELINE_B
                    || format == SignatureLevel.PAdES_BASELINE_T
                    || format == SignatureLevel.PAdES_BASELINE_LT
                    || format == SignatureLevel.PAdES_BASELINE_LTA;
                if (!levelOk || indication != Indication.TOTAL_PASSED) {
                    allOk = false;
                }
            }
        }
        System.exit(allOk ? 0 : 1);
    }
}
