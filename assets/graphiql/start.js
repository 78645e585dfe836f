// Starts GraphiQL against this server's own /graphql endpoint. It lives in a file of its own,
// not inline in the page, so that the page's Content-Security-Policy can forbid inline scripts.
(function () {
  'use strict';
  var fetcher = GraphiQL.createFetcher({
    url: new URL('/graphql', window.location.origin).toString(),
  });
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultEditorToolsVisibility: true,
    })
  );
})();
