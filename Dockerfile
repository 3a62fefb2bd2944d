# secops-bot, bundled (npm run build), production dependencies only. Build and run:
#   docker build -t secops-bot .
#   docker run -d --name secops-bot --restart unless-stopped --env-file .env \
#     -e POLICY_FILE=/app/policy.yaml -v "$PWD/policy.yaml:/app/policy.yaml:ro" \
#     -v secops-data:/app/data -p 3000:3000 secops-bot
# Without a mounted POLICY_FILE the on-call list is empty and pages go nowhere; without the data
# volume the default SQLite store is lost with the container.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
# python3/make/g++ build better-sqlite3 when no prebuilt binary matches
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM deps AS build
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json main.ts ./
COPY scripts ./scripts
COPY src ./src
COPY migrations ./migrations
RUN npm run build

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# The bundle reads only better-sqlite3, mysql2 and twilio from here; the rest of it is in dist/.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# The default store (DATABASE_URL=sqlite:./data/…) is created here, so the unprivileged user must own it.
RUN mkdir data && chown node:node data
VOLUME /app/data
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# SIGTERM releases the scheduler lease, so a replacement container takes over at once.
STOPSIGNAL SIGTERM
# As `npm run start:prod`: a 4 MB young generation keeps RSS down (bench/build.ts compares).
CMD ["node", "--max-semi-space-size=4", "dist/main.js"]
