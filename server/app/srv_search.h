/* srv_search.h: GET /search?q= (the results page, in the layout, the text kept in the
 * search box) and GET /api/search?q= (the same hits as JSON). */
#ifndef FA_SERVER_APP_SRV_SEARCH_H
#define FA_SERVER_APP_SRV_SEARCH_H

#include "server/http/srv_http.h"

int srv_search_handle_page(struct srv_req *req, struct srv_resp *resp);
int srv_search_handle_api(struct srv_req *req, struct srv_resp *resp);

#endif
