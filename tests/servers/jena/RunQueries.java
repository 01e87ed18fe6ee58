// Runs SPARQL query files with Jena ARQ on one data file loaded once, writing each result as SPARQL JSON
// results to OUT/<n>.json (n = the query's position). Run with the single-file source launcher:
//   java -cp JENA_CLASSPATH RunQueries.java DATA.ttl OUT query1.rq query2.rq ...
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
        for (int i = 2; i < args.length; i++) {
            Query query = QueryFactory.create(Files.readString(Path.of(args[i])));
            try (QueryExecution execution = QueryExecutionFactory.create(query, data);
                 OutputStream out = new FileOutputStream(Path.of(args[1], (i - 2) + ".json").toFile())) {
                ResultSetFormatter.outputAsJSON(out, execution.execSelect());
            }
        }
    }
}
