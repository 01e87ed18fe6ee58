// Loads each OWL file given on the command line with the OWL API (no network: imports are not followed)
// and prints one tab-separated line per file:
//   file, document format, axioms, logical axioms, unparsed RDF triples, OWL 2 DL profile violations,
//   sha256 of the sorted axioms (anonymous individuals aside, equal sets of axioms give equal hashes)
// followed by one "violation<TAB>file<TAB>text" line per violation (the first 50 per file).
// Run: java -cp <owlapi jars> tests/owlapi/OwlProfileCheck.java FILE... (tests/export/owlapi.py finds the jars)
import java.io.File;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.formats.RDFDocumentFormat;
import org.semanticweb.owlapi.io.FileDocumentSource;
import org.semanticweb.owlapi.model.MissingImportHandlingStrategy;
import org.semanticweb.owlapi.model.OWLDocumentFormat;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyLoaderConfiguration;
import org.semanticweb.owlapi.model.OWLOntologyManager;
import org.semanticweb.owlapi.model.parameters.Imports;
import org.semanticweb.owlapi.profiles.OWL2DLProfile;
import org.semanticweb.owlapi.profiles.OWLProfileViolation;
import org.semanticweb.owlapi.util.SimpleRenderer;

public class OwlProfileCheck {
    static String axiomsHash(OWLOntology ontology) throws Exception {
        SimpleRenderer renderer = new SimpleRenderer();  // full IRIs: the rendering does not depend on a file's prefixes
        List<String> axioms = new ArrayList<>();
        ontology.axioms().forEach(axiom -> axioms.add(renderer.render(axiom)));
        ontology.annotations().forEach(annotation -> axioms.add("Ontology" + renderer.render(annotation)));
        Collections.sort(axioms);
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        for (String axiom : axioms) {
            digest.update((axiom + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return String.format("%064x", new BigInteger(1, digest.digest()));
    }

    public static void main(String[] args) throws Exception {
        for (String name : args) {
            OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
            OWLOntologyLoaderConfiguration config = new OWLOntologyLoaderConfiguration()
                .setMissingImportHandlingStrategy(MissingImportHandlingStrategy.SILENT)
                .setFollowRedirects(false);
            OWLOntology ontology = manager.loadOntologyFromOntologyDocument(
                new FileDocumentSource(new File(name)), config);
            OWLDocumentFormat format = manager.getOntologyFormat(ontology);
            long unparsed = 0;
            if (format instanceof RDFDocumentFormat && ((RDFDocumentFormat) format).getOntologyLoaderMetaData().isPresent()) {
                unparsed = ((RDFDocumentFormat) format).getOntologyLoaderMetaData().get().getUnparsedTriples().count();
            }
            List<OWLProfileViolation> violations = new OWL2DLProfile().checkOntology(ontology).getViolations();
            System.out.println(String.join("\t", "ontology", name, format.getKey(),
                String.valueOf(ontology.getAxiomCount(Imports.EXCLUDED)),
                String.valueOf(ontology.getLogicalAxiomCount(Imports.EXCLUDED)),
                String.valueOf(unparsed), String.valueOf(violations.size()), axiomsHash(ontology)));
            for (OWLProfileViolation violation : violations.subList(0, Math.min(50, violations.size()))) {
                System.out.println("violation\t" + name + "\t" + violation.toString().replace('\n', ' '));
            }
        }
    }
}
