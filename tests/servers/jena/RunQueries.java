// Runs SPARQL query files with Jena ARQ on a dataset loaded once (DATA.ttl as the default graph, NAMED.ttl as
// the named graph NAME), writing each result as SPARQL JSON results to OUT/<n>.json (n = the query's position).
// Run with the single-file source launcher:
//   java -cp JENA_CLASSPATH RunQueries.java DATA.ttl NAMED.ttl NAME OUT query1.rq query2.rq ...
// (tests/servers/jena.py builds the class path from Debian's libapache-jena-java.)
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.jena.query.Dataset;
import org.apache.jena.query.Query;
import org.apache.jena.query.QueryExecution;
import org.apache.jena.query.QueryExecutionFactory;
import org.apache.jena.query.QueryFactory;
import org.apache.jena.query.ResultSetFormatter;
import org.apache.jena.riot.RDFDataMgr;

public class RunQueries {
    public static void main(String[] args) throws Exception {
        Dataset data = RDFDataMgr.loadDataset(args[0]);
        data.addNamedModel(args[2], RDFDataMgr.loadModel(args[1]));
        for (int i = 4; i < args.length; i++) {
            Query query = QueryFactory.create(Files.readString(Path.of(args[i])));
            try (QueryExecution execution = QueryExecutionFactory.create(query, data);
                 OutputStream out = new FileOutputStream(Path.of(args[3], (i - 4) + ".json").toFile())) {
                ResultSetFormatter.outputAsJSON(out, execution.execSelect());
            }
        }
    }
}
