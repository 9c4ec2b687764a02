# syntax=docker/dockerfile:1
# Build stage: compile TypeScript with the dev dependencies (sqlite3 is built from source here).
FROM node:22-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# Run stage: production dependencies and the compiled code only, as a non-root user. Node 22 is the
# current LTS (20 reached its end of life in April 2026); the build stage uses the same, as sqlite3 is native.
# The code and its dependencies stay owned by root: the runtime user can read them, not change them.
FROM node:22-bookworm-slim
# NODE_OPTIONS: the heap settings of `npm run start:prod` (README, Deployment: memory); V8's defaults let the
# heap grow to four times what it holds under a burst of jobs. Set in the environment, not in .env: node reads
# them before the bot starts.
ENV NODE_ENV=production \
    NODE_OPTIONS="--max-old-space-size=512 --max-semi-space-size=4" \
    STORE_URL=sqlite:///app/data/bot.sqlite \
    HEALTH_PORT=8080 \
    HEALTH_HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
RUN mkdir -p /app/data && chown node:node /app/data
USER node
VOLUME ["/app/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.HEALTH_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
CMD ["node", "dist/main.js"]
