# mdlibs: index builder + static server in one image (OPS-2).
# Build:  docker build -t mdlibs .
# Run:    docker run -p 4873:4873 -v "$PWD/out:/srv/out" mdlibs serve --public-dir /srv/out/public --private-dir /srv/out/private
# The same image runs the one-shot builder: docker run mdlibs-build /srv/registry --out ... (see docker-compose.yml).

# --- build stage: compile TypeScript and native modules (better-sqlite3) ---
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ git && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY index-builder ./index-builder
COPY static-server ./static-server
COPY tools ./tools
COPY templates ./templates
RUN npm run build && npm prune --omit=dev

# --- runtime stage: only dist/, production node_modules and templates; non-root ---
FROM node:20-bookworm-slim AS runtime
RUN apt-get update && apt-get install -y --no-install-recommends git tini && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4873 MDLIBS_DATA_DIR=/data LOG_LEVEL=info
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/templates ./templates
RUN mkdir -p /data /srv/out && chown -R node:node /data /srv/out \
 && ln -s /app/dist/static-server/src/bin.js /usr/local/bin/mdlibs-server \
 && ln -s /app/dist/index-builder/src/bin.js /usr/local/bin/mdlibs-build \
 && chmod +x /app/dist/static-server/src/bin.js /app/dist/index-builder/src/bin.js
USER node
VOLUME ["/data"]
EXPOSE 4873
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||4873)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["tini", "--", "node", "/app/dist/static-server/src/bin.js"]
CMD ["serve"]
